// What each hot route costs PostgreSQL, counted on the wire: the API's pool connects through a proxy that reads the
// frontend protocol (test/support/pg-wire-proxy.ts), and each case sends one request and pins the round trips it made
// (a Query, or an extended-protocol batch ended by Sync), which statements they carried, and that row-level security
// was set in every transaction, in the same message as the transaction's first statement.
import { once } from 'node:events';
import { AddressInfo, Socket, connect, createServer } from 'node:net';
import { resolveDatabaseUrls } from '@conduit/database';
import { PgWireProxy, RoundTrip } from '../support/pg-wire-proxy';
import { ADMIN_URL } from '../support/postgres-admin';
import { HttpResult, TestApi, startTestApi } from '../support/test-api';
import { testConfig } from '../support/test-config';

/**
 * What the API process may send to PostgreSQL outside a request's own work, which a request window can catch: the
 * touch of an API key's last_used_at, sent off the request path at most once a minute per key (api-key-cost.e2e-spec
 * pins that), and the one timer the API runs against PostgreSQL, licensing's read of the licence in force every
 * LICENSE_REFRESH_MS (one message; and at most once a minute its move of license_installation.latest_seen_at, BEGIN,
 * UPDATE and COMMIT in one message). Reconcilers, sweepers and rollups live in the worker; rate limits and readiness
 * of Redis are Redis's. None of these is the cost of the request it happens to follow.
 */
const BACKGROUND = [/UPDATE api_keys SET last_used_at/, /\blicense_installation\b/];

const text = (trip: RoundTrip) => trip.statements.join(';\n');
const describeTrips = (trips: RoundTrip[]) =>
  trips.map((t) => `#${t.seq} conn ${t.connection} ${t.protocol}: ${text(t)}`).join('\n---\n') || '(none)';
const isBegin = (trip: RoundTrip) => /^BEGIN\b/.test(text(trip));
/** A message that ends its transaction: COMMIT or ROLLBACK alone, or the last of its statements (the audit row). */
const isEnd = (trip: RoundTrip) => /(^|;\n)(COMMIT|ROLLBACK)$/.test(text(trip).trim());

/** The tenant setting as the transaction sends it (setConfigSql: values inlined as E'...' literals). */
const setsTenant = (trip: RoundTrip, tenantId: string) =>
  new RegExp(`set_config\\(E'app\\.tenant_id', E'${tenantId}', true\\)`).test(text(trip));

interface Transaction {
  connection: number;
  trips: RoundTrip[];
}

/** The explicit transactions among trips (BEGIN ... COMMIT/ROLLBACK on one connection), and the messages outside. */
function transactionsOf(trips: RoundTrip[]): { transactions: Transaction[]; outside: RoundTrip[] } {
  const open = new Map<number, Transaction>();
  const transactions: Transaction[] = [];
  const outside: RoundTrip[] = [];
  for (const trip of trips) {
    const current = open.get(trip.connection);
    if (isBegin(trip)) {
      expect(current, `BEGIN inside an open transaction:\n${describeTrips(trips)}`).toBeUndefined();
      const tx = { connection: trip.connection, trips: [trip] };
      transactions.push(tx);
      // A transaction of one message (BEGIN ... COMMIT) ends where it starts.
      if (!isEnd(trip)) open.set(trip.connection, tx);
    } else if (current) {
      current.trips.push(trip);
      if (isEnd(trip)) open.delete(trip.connection);
    } else {
      outside.push(trip);
    }
  }
  expect([...open.values()], `a transaction still open after the request:\n${describeTrips(trips)}`).toEqual([]);
  return { transactions, outside };
}

/**
 * Row-level security in every transaction of a tenant's request: each explicit transaction's first message carries
 * BEGIN, the tenant's set_config and its first statement; each message outside one (an implicit transaction of its
 * own, as authentication's) sets what it runs under itself; no COMMIT or ROLLBACK without a statement before it.
 */
function expectRlsEverywhere(trips: RoundTrip[], tenantId: string): void {
  const { transactions, outside } = transactionsOf(trips);
  for (const tx of transactions) {
    const [first] = tx.trips;
    expect(setsTenant(first, tenantId), `BEGIN without the tenant's setting:\n${text(first)}`).toBe(true);
    // BEGIN, the settings and the first statement in one message: more than the two settings statements.
    expect(first.statements, 'one simple-protocol message').toHaveLength(1);
    expect(text(first).split(';\n').length, `BEGIN without its first statement:\n${text(first)}`).toBeGreaterThan(2);
  }
  for (const trip of outside) expect(text(trip), 'a statement outside any transaction').toMatch(/set_config\(/);
}

describe('round trips to PostgreSQL per request', () => {
  let proxy: PgWireProxy;
  let api: TestApi;
  let tenantId: string;
  let user: { token: string };
  let apiKey: string;

  beforeAll(async () => {
    const admin = new URL(ADMIN_URL);
    proxy = await PgWireProxy.start({ host: admin.hostname, port: Number(admin.port || 5432) });
    // The runtime role's URL, as the API would derive it from the owner's, pointed at the proxy; the suite's database
    // is copied from the migrated template (migrated directly, never through the proxy).
    api = await startTestApi((db) => {
      const runtime = new URL(resolveDatabaseUrls(testConfig(db.url)).runtimeUrl);
      runtime.hostname = '127.0.0.1';
      runtime.port = String(proxy.port);
      return { DATABASE_URL: runtime.toString(), DATABASE_MIGRATION_URL: db.url };
    });
    tenantId = (await api.seedTenant('trips')).id;
    user = await api.seedUser('trips', 'tenant_admin');
    const created = await api.request('POST', '/api/v1/api-keys', {
      token: user.token,
      body: { name: 'round trips', scopes: ['*'] },
    });
    expect(created.status).toBe(201);
    apiKey = created.body.key;
    for (let i = 0; i < 60; i++) expect((await subscribe(i)).status).toBe(201);
    // Whatever a first request does once per connection or process (preparing statements) is done before measuring.
    for (let i = 0; i < 3; i++) {
      for (const send of [
        () => api.request('GET', '/health/live'),
        () => api.request('GET', '/api/v1/auth/me', { token: user.token }),
        () => api.request('GET', '/api/v1/auth/me', { apiKey }),
        () => api.request('GET', '/api/v1/subscriptions?limit=50', { token: user.token }),
        () => api.request('GET', '/api/v1/subscriptions?limit=0', { token: user.token }),
        () => api.request('POST', '/api/v1/events', { apiKey, body: { event_name: 'warm.up', payload: {} } }),
      ])
        expect((await send()).status).toBeLessThan(500);
    }
  });
  afterAll(async () => {
    await api?.close();
    await proxy?.close();
  });

  function subscribe(n: number, body: Record<string, unknown> = {}): Promise<HttpResult> {
    return api.request('POST', '/api/v1/subscriptions', {
      token: user.token,
      body: { app_name: `app-${n}`, target_url: 'http://127.0.0.1:9/hook', event_types: ['order.created'], ...body },
    });
  }

  /** The round trips the API made for one request: from before it is sent until the proxy is quiet after its answer. */
  async function roundTripsOf(send: () => Promise<HttpResult>): Promise<{ res: HttpResult; trips: RoundTrip[] }> {
    await proxy.settled();
    const mark = proxy.mark();
    const res = await send();
    await proxy.settled();
    const trips = proxy.since(mark).filter((t) => !BACKGROUND.some((b) => b.test(text(t))));
    return { res, trips };
  }

  /**
   * The message that opens a tenant's transaction: BEGIN, the tenant's set_config (other settings may follow), then
   * the transaction's first statement, all in one Query.
   */
  const opens = (statement: string) =>
    expect.stringMatching(
      new RegExp(
        `^BEGIN;\\nSELECT set_config\\(E'app\\.tenant_id', E'${tenantId}', true\\);\\n` +
          `(?:SELECT set_config\\([^\\n]*\\);\\n)*${statement}`,
      ),
    );
  /** A read in an implicit transaction of its own: the tenant's set_config (other settings may follow), then it. */
  const reads = (statement: string) =>
    expect.stringMatching(
      new RegExp(
        `^SELECT set_config\\(E'app\\.tenant_id', E'${tenantId}', true\\);\\n` +
          `(?:SELECT set_config\\([^\\n]*\\);\\n)*${statement}`,
      ),
    );
  /** Authentication of an access token: revocation and membership read in one message that sets the tenant. */
  const jwtCheck = () =>
    expect.stringMatching(
      new RegExp(
        // PREPARE first on a connection that has not run it yet.
        `^(?:PREPARE [\\s\\S]*;\\n)?SELECT set_config\\(E'app\\.tenant_id', E'${tenantId}', true\\);\\n` +
          `EXECUTE conduit_access_token_check_`,
      ),
    );
  /** Authentication of an API key: its lookup settings and the read of the key, its tenant and creator, in one. */
  const apiKeyLookup = () =>
    expect.stringMatching(
      /^(?:PREPARE [\s\S]*)?SELECT set_config\(E'app\.api_key_prefix', [\s\S]*EXECUTE conduit_api_key_presented_/,
    );
  const noTransaction = (trips: RoundTrip[]) =>
    expect(
      trips.filter((t) => /\b(BEGIN|COMMIT|ROLLBACK)\b/.test(text(t))),
      describeTrips(trips),
    ).toEqual([]);

  it('reaches PostgreSQL only through the proxy, as the runtime role', async () => {
    expect(proxy.connections).toBeGreaterThan(0);
    const backends = await api.sql<{ usename: string; client_port: number }>(
      `SELECT usename, client_port FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    expect(backends.length).toBeGreaterThan(0);
    const viaProxy = new Set(proxy.upstreamPorts());
    for (const backend of backends) {
      expect(backend.usename).toBe(api.config.DATABASE_RUNTIME_ROLE);
      expect(viaProxy.has(backend.client_port), `backend on client port ${backend.client_port}`).toBe(true);
    }
  });

  it('GET /health/live: none, not even a connection', async () => {
    const before = proxy.connections;
    const { res, trips } = await roundTripsOf(() => api.request('GET', '/health/live'));
    expect(res.status).toBe(200);
    expect(trips, describeTrips(trips)).toEqual([]);
    expect(proxy.connections).toBe(before);
  });

  // A request that reads once needs no explicit transaction: its one SELECT runs in an implicit one, with the
  // tenant's (and here the user's) settings in the same message.
  it('GET /api/v1/auth/me with a JWT: 2 (the token check; tenant + user settings + memberships SELECT)', async () => {
    const { res, trips } = await roundTripsOf(() => api.request('GET', '/api/v1/auth/me', { token: user.token }));
    expect(res.status).toBe(200);
    expect(res.body.memberships).toHaveLength(1);
    expect(trips.map(text), describeTrips(trips)).toEqual([jwtCheck(), reads(`SELECT [^;]* FROM memberships m `)]);
    expect(trips[1].protocol).toBe('simple');
    noTransaction(trips);
    expectRlsEverywhere(trips, tenantId);
  });

  // 1 is the least possible: the key is read on every request (nothing is cached, so a revocation shows on the next
  // one), and an API key has no memberships, so the handler reads nothing and its transaction sends nothing at all.
  it('GET /api/v1/auth/me with an API key: 1 (the key lookup), and no transaction', async () => {
    const { res, trips } = await roundTripsOf(() => api.request('GET', '/api/v1/auth/me', { apiKey }));
    expect(res.status).toBe(200);
    expect(res.body.kind).toBe('api_key');
    expect(trips.map(text), describeTrips(trips)).toEqual([apiKeyLookup()]);
    noTransaction(trips);
    expectRlsEverywhere(trips, tenantId);
  });

  it('a handler that reads nothing (404 for an id that is no uuid): the token check only, no BEGIN nor ROLLBACK', async () => {
    const { res, trips } = await roundTripsOf(() =>
      api.request('GET', '/api/v1/subscriptions/not-a-uuid', { token: user.token }),
    );
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('subscription_not_found');
    expect(trips.map(text), describeTrips(trips)).toEqual([jwtCheck()]);
    noTransaction(trips);
  });

  it('GET /api/v1/subscriptions?limit=50: 2 (the token check; tenant + the page SELECT)', async () => {
    const { res, trips } = await roundTripsOf(() =>
      api.request('GET', '/api/v1/subscriptions?limit=50', { token: user.token }),
    );
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(50);
    expect(trips.map(text), describeTrips(trips)).toEqual([
      jwtCheck(),
      reads(`SELECT [^;]* FROM "?webhook_subscriptions"? `),
    ]);
    noTransaction(trips);
    expectRlsEverywhere(trips, tenantId);
  });

  it('POST /api/v1/subscriptions: at most 4, the subscription and its audit row committed together', async () => {
    const { res, trips } = await roundTripsOf(() => subscribe(1000));
    expect(res.status).toBe(201);
    // Observed: the token check; BEGIN + tenant + the tenant's data key (sealing the secret); the INSERT; the audit
    // INSERT with COMMIT, in one message.
    expect(trips.length, describeTrips(trips)).toBeLessThanOrEqual(4);
    expect(text(trips[trips.length - 1]), 'the audit row travels with COMMIT').toMatch(
      /INSERT INTO audit_events[\s\S]*;\nCOMMIT$/,
    );
    expectRlsEverywhere(trips, tenantId);
    expectSameTransaction(trips, /INSERT INTO "webhook_subscriptions"/, /INSERT INTO "?audit_events/);
  });

  it('POST /api/v1/events with an API key: at most 5, the event, its delivery and its audit row together', async () => {
    const { res, trips } = await roundTripsOf(() =>
      api.request('POST', '/api/v1/events', { apiKey, body: { event_name: 'order.created', payload: { n: 1 } } }),
    );
    expect(res.status).toBe(202);
    // Observed: the key lookup; BEGIN + tenant + the matching subscriptions; the event and delivery INSERT; the
    // chains it triggers; the audit INSERT with COMMIT, in one message.
    expect(trips.length, describeTrips(trips)).toBeLessThanOrEqual(5);
    expectRlsEverywhere(trips, tenantId);
    expectSameTransaction(trips, /INSERT INTO webhook_deliveries/, /INSERT INTO "?audit_events/);
    // One delivery per matching subscription (60 and more), written by one statement whatever the fan-out.
    const [row] = await api.sql<{ deliveries: number; subscriptions: number }>(
      `SELECT (SELECT count(*)::int FROM webhook_deliveries WHERE event_id = $1) AS deliveries,
        (SELECT count(*)::int FROM webhook_subscriptions WHERE tenant_id = $2 AND is_active AND deleted_at IS NULL)
          AS subscriptions`,
      [res.body.id, tenantId],
    );
    expect(row.deliveries).toBe(row.subscriptions);
    expect(row.deliveries).toBeGreaterThanOrEqual(60);
  });

  it('400 on the query string: the token check only, no transaction', async () => {
    const { res, trips } = await roundTripsOf(() =>
      api.request('GET', '/api/v1/subscriptions?limit=0', { token: user.token }),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(trips.map(text), describeTrips(trips)).toEqual([jwtCheck()]);
    noTransaction(trips);
  });

  // A refused mutation is audited, in a transaction of its own (the request's rolled back, having sent nothing).
  it('400 on the body of a mutation: 2 (the token check; BEGIN + tenant + the audit INSERT + COMMIT)', async () => {
    const { res, trips } = await roundTripsOf(() => subscribe(1001, { event_types: 'not-a-list' }));
    expect(res.status).toBe(400);
    expect(trips.map(text), describeTrips(trips)).toEqual([jwtCheck(), opens('INSERT INTO audit_events')]);
    expect(text(trips[1]), 'the audit row travels with COMMIT').toMatch(/INSERT INTO audit_events[\s\S]*;\nCOMMIT$/);
    expectRlsEverywhere(trips, tenantId);
  });
});

/**
 * The statements matching a and b ran in one transaction, b after a: one explicit transaction with no COMMIT between
 * them, or one message (an implicit transaction).
 */
function expectSameTransaction(trips: RoundTrip[], a: RegExp, b: RegExp): void {
  const { transactions, outside } = transactionsOf(trips);
  const units = [...transactions.map((tx) => tx.trips), ...outside.map((trip) => [trip])];
  const holding = units.filter((unit) => unit.some((trip) => a.test(text(trip))));
  expect(holding, `exactly one transaction with ${a}:\n${describeTrips(trips)}`).toHaveLength(1);
  const unit = holding[0];
  const first = unit.findIndex((trip) => a.test(text(trip)));
  const second = unit.findIndex((trip, i) => i >= first && b.test(text(trip)));
  expect(second, `${b} after ${a} in the same transaction:\n${describeTrips(trips)}`).toBeGreaterThanOrEqual(first);
  // Within one message, b after a in its text; across messages, no COMMIT between (transactionsOf ends at one).
  if (second === first) {
    const whole = text(unit[first]);
    expect(whole.search(b)).toBeGreaterThan(whole.search(a));
  }
}

// The proxy itself: what it counts is only worth something if it reads messages split anywhere across TCP chunks and
// changes nothing it forwards.
describe('the PostgreSQL wire proxy', () => {
  const int32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  const int16 = (n: number) => Buffer.from([(n >>> 8) & 255, n & 255]);
  const cstr = (s: string) => Buffer.from(`${s}\0`);
  const typed = (type: string, ...body: Buffer[]) => {
    const payload = Buffer.concat(body);
    return Buffer.concat([Buffer.from(type), int32(payload.length + 4), payload]);
  };
  const untyped = (...body: Buffer[]) => {
    const payload = Buffer.concat(body);
    return Buffer.concat([int32(payload.length + 4), payload]);
  };
  const sslRequest = untyped(int32(80877103));
  const startup = untyped(int32(196608), cstr('user'), cstr('conduit_app'), cstr('database'), cstr('x'), cstr(''));
  const parse = (name: string, sql: string) => typed('P', cstr(name), cstr(sql), int16(0));
  const bind = (statement: string) =>
    typed('B', cstr(''), cstr(statement), int16(0), int16(1), int32(1), Buffer.from('7'), int16(0));
  const execute = () => typed('E', cstr(''), int32(0));
  const describePortal = () => typed('D', Buffer.from('P'), cstr(''));
  const sync = () => typed('S');
  const ready = () => typed('Z', Buffer.from('I'));

  it('forwards every byte unchanged both ways, declines SSL itself and counts round trips across chunks', async () => {
    const received: Buffer[] = [];
    let serverSide: Socket | undefined;
    const target = createServer((socket) => {
      serverSide = socket;
      socket.on('data', (chunk) => received.push(chunk));
    });
    target.listen(0, '127.0.0.1');
    await once(target, 'listening');
    const proxy = await PgWireProxy.start({ host: '127.0.0.1', port: (target.address() as AddressInfo).port });
    const client = connect(proxy.port, '127.0.0.1');
    const answers: Buffer[] = [];
    client.on('data', (chunk) => answers.push(chunk));
    try {
      await once(client, 'connect');
      client.write(sslRequest);
      await vi.waitFor(() => expect(Buffer.concat(answers).toString()).toBe('N'));
      answers.length = 0;
      const session = Buffer.concat([
        startup,
        typed('Q', cstr('BEGIN;\nSELECT 1')),
        parse('', 'SELECT $1::int'),
        bind(''),
        describePortal(),
        execute(),
        sync(),
        parse('named', 'SELECT $1::int + 1'),
        sync(),
        bind('named'),
        describePortal(),
        execute(),
        sync(),
        typed('X'),
      ]);
      // Three bytes at a time, each write its own turn: messages and lengths split everywhere.
      for (let i = 0; i < session.length; i += 3) {
        client.write(session.subarray(i, i + 3));
        await new Promise((resolve) => setImmediate(resolve));
      }
      await vi.waitFor(() => expect(Buffer.concat(received)).toEqual(session));
      expect(
        proxy.roundTrips.map(({ connection, protocol, statements, parsed }) => ({
          connection,
          protocol,
          statements,
          parsed,
        })),
      ).toEqual([
        { connection: 1, protocol: 'simple', statements: ['BEGIN;\nSELECT 1'], parsed: [] },
        { connection: 1, protocol: 'extended', statements: ['SELECT $1::int'], parsed: ['SELECT $1::int'] },
        { connection: 1, protocol: 'extended', statements: ['SELECT $1::int + 1'], parsed: ['SELECT $1::int + 1'] },
        { connection: 1, protocol: 'extended', statements: ['SELECT $1::int + 1'], parsed: [] },
      ]);

      // Not settled until each round trip has had its ReadyForQuery.
      let settled = false;
      const settling = proxy.settled(20).then(() => (settled = true));
      const reply = Buffer.concat([
        typed('R', int32(0)),
        ready(),
        ready(),
        typed('C', cstr('SELECT 1')),
        ready(),
        ready(),
      ]);
      serverSide?.write(reply.subarray(0, 7));
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(settled).toBe(false);
      serverSide?.write(reply.subarray(7));
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(settled).toBe(false);
      serverSide?.write(ready());
      await settling;
      await vi.waitFor(() => expect(Buffer.concat(answers)).toEqual(Buffer.concat([reply, ready()])));
    } finally {
      client.destroy();
      await proxy.close();
      await new Promise((resolve) => target.close(resolve));
    }
  });
});
