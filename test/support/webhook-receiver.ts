// A real HTTP endpoint on 127.0.0.1 for delivery tests: answers as scripted per request and records what arrived.
import { IncomingHttpHeaders, Server, createServer } from 'node:http';
import { once } from 'node:events';
import { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  /** 1-based, in arrival order across all paths. */
  seq: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Date.now() when the body was complete. */
  receivedAt: number;
}

export interface ScriptedResponse {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering (timeouts, in-flight windows). */
  delayMs?: number;
  /** After the status line and `body`, never finish the response (`stall`) or drop the connection (`reset`). */
  thenBody?: 'stall' | 'reset';
}

/** Decides the answer to a request; `nth` counts requests to the same path, from 1. */
export type ResponseScript = (
  req: ReceivedRequest,
  nth: number,
) => ScriptedResponse | number | Promise<ScriptedResponse | number>;

export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly scripts = new Map<string, ResponseScript>();
  private readonly perPath = new Map<string, number>();
  private fallback: ResponseScript = () => 200;
  private server: Server;
  private port = 0;

  /** The URL of a path on this receiver, e.g. url('/orders'). */
  url(path = '/'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Script the answers for one path (or for every path without a script of its own). */
  respond(script: ResponseScript | number, path?: string): this {
    const fn: ResponseScript = typeof script === 'number' ? () => script : script;
    if (path === undefined) this.fallback = fn;
    else this.scripts.set(path, fn);
    return this;
  }

  /** Answers the statuses in order, then keeps answering the last one. */
  static sequence(...statuses: number[]): ResponseScript {
    return (_req, nth) => statuses[Math.min(nth, statuses.length) - 1] ?? 200;
  }

  to(path: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async waitFor(count: number, path?: string, timeoutMs = 15_000): Promise<ReceivedRequest[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = path === undefined ? this.requests : this.to(path);
      if (got.length >= count) return got;
      if (Date.now() > deadline)
        throw new Error(
          `receiver: expected ${count} request(s)${path ? ` to ${path}` : ''}, got ${got.length} within ${timeoutMs} ms`,
        );
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = (req.url ?? '/').split('?')[0];
        const nth = (this.perPath.get(path) ?? 0) + 1;
        this.perPath.set(path, nth);
        const received: ReceivedRequest = {
          seq: this.requests.length + 1,
          method: req.method ?? 'GET',
          path,
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          receivedAt: Date.now(),
        };
        this.requests.push(received);
        void (async () => {
          const answer = await (this.scripts.get(path) ?? this.fallback)(received, nth);
          const r: ScriptedResponse = typeof answer === 'number' ? { status: answer } : answer;
          if (r.delayMs) await new Promise((resolve) => setTimeout(resolve, r.delayMs));
          if (res.destroyed) return;
          res.writeHead(r.status ?? 200, { 'content-type': 'text/plain', ...r.headers });
          if (!r.thenBody) return void res.end(r.body ?? 'ok');
          res.write(r.body ?? 'ok');
          if (r.thenBody === 'reset') setTimeout(() => res.socket?.destroy(), 50);
        })();
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function startWebhookReceiver(): Promise<WebhookReceiver> {
  return new WebhookReceiver().start();
}
