// Child processes for tests of real entry points (npm start, main.ts): spawn, wait for output or HTTP, stop.
import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RunningProcess {
  child: ChildProcess;
  output(): string;
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  waitForExit(timeoutMs?: number): Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startProcess(command: string, args: string[], env: Record<string, string | undefined>): RunningProcess {
  // Own process group, so a signal reaches npm and the node process it started alike.
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitForExit = (timeoutMs = 30_000) =>
    Promise.race([
      exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no exit after ${timeoutMs} ms:\n${out}`)), timeoutMs),
      ),
    ]);
  return {
    child,
    output: () => out,
    async waitForOutput(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = out.match(pattern);
        if (match) return match;
        if (child.exitCode !== null)
          throw new Error(`process exited (${child.exitCode}) before printing ${pattern}:\n${out}`);
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    waitForExit,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      try {
        process.kill(-(child.pid as number), signal);
      } catch {
        child.kill(signal);
      }
      return waitForExit();
    },
  };
}

/**
 * The processes of a process group (Linux /proc): what a started process left behind, children included (a process
 * spawned with startProcess leads its own group, and what it starts stays in it unless it starts a new one).
 */
export function processGroup(pgid: number): { pid: number; command: string }[] {
  const members: { pid: number; command: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses, so count from the last ')'.
      const [, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) !== pgid) continue;
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      // A zombie (exited, not yet reaped) has no command line: it holds nothing any more.
      if (command) members.push({ pid: Number(entry), command });
    } catch {
      // gone meanwhile
    }
  }
  return members;
}
