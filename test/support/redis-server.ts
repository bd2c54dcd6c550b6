// A redis-server of the test's own on a free port, for suites that stop and restart Redis (the shared one stays up).
// Nothing is persisted: a restart comes back empty, as a Redis without persistence does after a crash.
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import IORedis from 'ioredis';
import { freePort } from './processes';

export class TestRedisServer {
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(readonly port: number) {}

  static async start(): Promise<TestRedisServer> {
    const server = new TestRedisServer(await freePort());
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (again, on the same port, empty) and resolves once it answers PING. */
  async restart(): Promise<void> {
    if (this.child) throw new Error('redis-server is already running');
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child = child;
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`redis-server exited ${child.exitCode}: ${this.output.slice(-2000)}`);
      const client = new IORedis({
        port: this.port,
        host: '127.0.0.1',
        lazyConnect: true,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      client.on('error', () => undefined);
      const pong = await client
        .connect()
        .then(
          () => client.ping(),
          () => null,
        )
        .catch(() => null);
      client.disconnect();
      if (pong === 'PONG') return;
      if (Date.now() > deadline)
        throw new Error(`redis-server did not answer within 10 s: ${this.output.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Kills it at once (SIGKILL): connections drop with no goodbye, and whatever it held is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    if (child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
  }
}
