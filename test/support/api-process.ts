// The real API entry point (apps/api/src/main.ts) as a child process, for tests where the process itself must be
// seen to survive (or not) what happens around it.
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { TEST_MASTER_KEY } from './test-config';
import { freePort } from './processes';

const ROOT = resolve(__dirname, '../..');

export interface ApiProcess {
  process: ChildProcess;
  url: string;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves once GET /health/live answers 200. */
  live(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startApiProcess(env: Record<string, string>): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/api/src/main.ts'], {
    cwd: ROOT,
    // Only what the API needs: nothing from the test runner's environment leaks in.
    env: {
      PATH: process.env.PATH,
      CONDUIT_MASTER_KEY: TEST_MASTER_KEY,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      MIGRATE_ON_START: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exit = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  return {
    process: child,
    url,
    output: () => output,
    live: async (timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`API exited ${child.exitCode}: ${output.slice(-2000)}`);
        const ok = await fetch(`${url}/health/live`).then(
          (r) => r.status === 200,
          () => false,
        );
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`API not live within ${timeoutMs} ms: ${output.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exit;
    },
  };
}
