// A TCP proxy between a client and PostgreSQL that reads the frontend protocol as it passes, for tests that pin what a
// request costs the database: it forwards every byte unchanged both ways, and records each round trip the client starts
// (a simple-protocol Query, or an extended-protocol batch ended by Sync) with the statements it carries.
import { once } from 'node:events';
import { AddressInfo, Server, Socket, connect, createServer } from 'node:net';

/** One message the client sent and then waited on: a Query ('Q'), or the Parse/Bind/Execute batch a Sync ('S') ends. */
export interface RoundTrip {
  /** 1-based, in arrival order across all connections. */
  seq: number;
  /** The proxy's own number for the client connection (1-based, in order of connection). */
  connection: number;
  protocol: 'simple' | 'extended';
  /**
   * What the round trip ran: a Query's text (possibly several statements separated by `;`), or, for a batch, the text
   * of each statement it bound (a named statement parsed in an earlier round trip on the same connection included).
   */
  statements: string[];
  /** The texts of the Parse messages of the batch (empty when it only bound statements parsed before, or for 'Q'). */
  parsed: string[];
}

/** A point in the proxy's record, to count what happened after it. */
export interface ProxyMark {
  roundTrips: number;
  connections: number;
}

// Codes of the start-up phase's untyped messages (Int32 length, Int32 code).
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

interface ClientState {
  id: number;
  /** Before the start-up message, messages have no type byte. */
  started: boolean;
  pending: Buffer;
  /** Statement name ('' the unnamed one) -> its text, from this connection's Parse messages. */
  statements: Map<string, string>;
  batch: { parsed: string[]; bound: string[] };
  /** Round trips sent (and the start-up) not yet answered by ReadyForQuery. */
  awaiting: number;
  serverPending: Buffer;
}

export class PgWireProxy {
  readonly roundTrips: RoundTrip[] = [];
  private connectionCount = 0;
  private readonly sockets = new Set<Socket>();
  private readonly upstreams = new Set<Socket>();
  private readonly clients = new Set<ClientState>();
  private lastActivity = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Listens on 127.0.0.1 (a free port) and forwards each connection to target. */
  static async start(target: { host: string; port: number }): Promise<PgWireProxy> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    // No one can connect before the port is known, so nothing is missed before this listener.
    const proxy = new PgWireProxy(server, (server.address() as AddressInfo).port);
    server.on('connection', (client: Socket) => proxy.accept(client, target));
    return proxy;
  }

  /** Client connections accepted so far. */
  get connections(): number {
    return this.connectionCount;
  }

  /** The local ports of the proxy's open connections to the server: what PostgreSQL sees as their client ports. */
  upstreamPorts(): number[] {
    return [...this.upstreams].map((socket) => socket.localPort).filter((port): port is number => port !== undefined);
  }

  mark(): ProxyMark {
    return { roundTrips: this.roundTrips.length, connections: this.connectionCount };
  }

  /** The round trips started after mark. */
  since(mark: ProxyMark): RoundTrip[] {
    return this.roundTrips.slice(mark.roundTrips);
  }

  /** Forgets the round trips recorded so far (connection numbers go on). */
  reset(): void {
    this.roundTrips.length = 0;
  }

  /**
   * Resolves once every round trip started has been answered (ReadyForQuery) and nothing has passed for quietMs: what
   * a request set going after its response (work off the request path) has then been recorded too.
   */
  async settled(quietMs = 100, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const busy = [...this.clients].some((c) => c.awaiting > 0);
      if (!busy && Date.now() - this.lastActivity >= quietMs) return;
      if (Date.now() > deadline) throw new Error(`the PostgreSQL proxy did not settle within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, target: { host: string; port: number }): void {
    const state: ClientState = {
      id: ++this.connectionCount,
      started: false,
      pending: Buffer.alloc(0),
      statements: new Map(),
      batch: { parsed: [], bound: [] },
      awaiting: 0,
      serverPending: Buffer.alloc(0),
    };
    this.clients.add(state);
    const upstream = connect(target.port, target.host);
    this.upstreams.add(upstream);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        this.sockets.delete(socket);
        this.upstreams.delete(upstream);
        client.destroy();
        upstream.destroy();
        this.clients.delete(state);
      });
    }
    client.on('data', (chunk: Buffer) => {
      this.lastActivity = Date.now();
      // Parsed before it is forwarded: a round trip is on record before the server can answer it.
      const forward = this.fromClient(state, chunk, (answer) => client.write(answer));
      if (forward.length > 0 && !upstream.write(forward)) {
        client.pause();
        upstream.once('drain', () => client.resume());
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      this.lastActivity = Date.now();
      this.fromServer(state, chunk);
      if (!client.write(chunk)) {
        upstream.pause();
        client.once('drain', () => upstream.resume());
      }
    });
  }

  /**
   * Reads the client's messages in chunk and returns the bytes to forward: all of them, except an SSL or GSS
   * encryption request, which the proxy itself declines ('N') so that the session stays readable.
   */
  private fromClient(state: ClientState, chunk: Buffer, answer: (bytes: Buffer) => void): Buffer {
    if (state.started) {
      this.readTyped(state, chunk);
      return chunk;
    }
    // Start-up phase: untyped messages (Int32 length, Int32 code), held until complete.
    state.pending = Buffer.concat([state.pending, chunk]);
    while (state.pending.length >= 8) {
      const length = state.pending.readInt32BE(0);
      if (state.pending.length < length) break;
      const code = state.pending.readInt32BE(4);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        // Declined here, not forwarded: the only bytes that do not pass through (TLS could not be read).
        state.pending = state.pending.subarray(length);
        answer(Buffer.from('N'));
        continue;
      }
      // The start-up message (or a cancel request, after which the client closes): typed messages follow. The
      // start-up is answered by a ReadyForQuery too, once authentication is done.
      const forward = state.pending;
      state.started = true;
      if (code !== CANCEL_REQUEST) state.awaiting++;
      state.pending = Buffer.alloc(0);
      this.readTyped(state, forward.subarray(length));
      return forward;
    }
    return Buffer.alloc(0);
  }

  /** Reads the typed messages (Byte1 type, Int32 length, body) of chunk, keeping an incomplete one for the next. */
  private readTyped(state: ClientState, chunk: Buffer): void {
    state.pending = state.pending.length ? Buffer.concat([state.pending, chunk]) : chunk;
    let offset = 0;
    while (state.pending.length - offset >= 5) {
      const length = state.pending.readInt32BE(offset + 1);
      if (state.pending.length - offset < 1 + length) break;
      const type = String.fromCharCode(state.pending[offset]);
      this.clientMessage(state, type, state.pending.subarray(offset + 5, offset + 1 + length));
      offset += 1 + length;
    }
    // Copied: the rest must not keep the whole chunk alive, nor change if the caller reuses it.
    state.pending = Buffer.from(state.pending.subarray(offset));
  }

  private clientMessage(state: ClientState, type: string, body: Buffer): void {
    switch (type) {
      case 'Q':
        this.record(state, 'simple', [cString(body, 0).text], []);
        state.awaiting++;
        return;
      case 'P': {
        const name = cString(body, 0);
        const text = cString(body, name.end).text;
        state.statements.set(name.text, text);
        state.batch.parsed.push(text);
        return;
      }
      case 'B': {
        const portal = cString(body, 0);
        const statement = cString(body, portal.end).text;
        state.batch.bound.push(state.statements.get(statement) ?? `<unknown statement ${statement}>`);
        return;
      }
      case 'S': {
        const { parsed, bound } = state.batch;
        state.batch = { parsed: [], bound: [] };
        this.record(state, 'extended', bound.length ? bound : parsed, parsed);
        state.awaiting++;
        return;
      }
      default:
        return;
    }
  }

  private record(state: ClientState, protocol: RoundTrip['protocol'], statements: string[], parsed: string[]): void {
    this.roundTrips.push({ seq: this.roundTrips.length + 1, connection: state.id, protocol, statements, parsed });
  }

  /** Counts the server's ReadyForQuery messages: each ends the answer to the start-up or to one round trip. */
  private fromServer(state: ClientState, chunk: Buffer): void {
    state.serverPending = Buffer.concat([state.serverPending, chunk]);
    let offset = 0;
    while (state.serverPending.length - offset >= 5) {
      const length = state.serverPending.readInt32BE(offset + 1);
      if (state.serverPending.length - offset < 1 + length) break;
      if (state.serverPending[offset] === 0x5a /* 'Z' */ && state.awaiting > 0) state.awaiting--;
      offset += 1 + length;
    }
    state.serverPending = Buffer.from(state.serverPending.subarray(offset));
  }
}

function cString(buffer: Buffer, start: number): { text: string; end: number } {
  const nul = buffer.indexOf(0, start);
  const end = nul === -1 ? buffer.length : nul;
  return { text: buffer.toString('utf8', start, end), end: end + 1 };
}
