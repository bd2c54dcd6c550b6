// One fast-check arbitrary per OpenAPI operation: a valid-looking request (real ids of the caller's tenants, schema
// examples) mutated into bad input: wrong types, null, missing and extra fields, huge, empty and odd strings, deep
// nesting, bad query and path parameters, wrong content types, malformed JSON, missing or wrong credentials.
import fc from 'fast-check';
import { hostileKey, hostileString, hostileValue, nestedValue, withOwnKey } from './hostile-values';
import { FuzzOperation, IdsByKind, OpenApiDocument, idKindOfName, plausibleValue } from './openapi-operations';

export interface FuzzRequest {
  /** `METHOD /path/{template}`: what failures are grouped by. */
  operation: string;
  method: string;
  /** Path and query, encoded as sent. */
  url: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
  /** Which credentials the request carries, for the report. */
  auth: string;
}

export interface FuzzContext {
  doc: OpenApiDocument;
  /** Real ids in the caller's tenants, by kind (`subscriptions`, `runs`, `tenants`, `any`, ...). */
  ids: IdsByKind;
  /** Ids the caller may destroy or disable without ending its own access (DELETE, PATCH of users and tenants). */
  victims: IdsByKind;
  /** Real ids of a tenant the caller has nothing to do with. */
  foreignIds: IdsByKind;
  /** Credentials by label: `jwt` and `api_key` carry most requests. */
  credentials: Record<string, Record<string, string>>;
  /** A JWT whose session may be ended (what POST /auth/logout gets instead of `jwt`). */
  disposableJwt: string;
  /** X-Tenant-Id values: tenants the caller administers. */
  ownTenantHeaders: string[];
  /** Valid values of components whose own example is not valid alone, by component name. */
  examples: Record<string, unknown>;
  /** Characters of a string near the body limit. */
  hugeLength: number;
}

type Json = unknown;
type PathStep = string | number;

/** The id kind a path parameter names, from the segment before it (`/chains/{id}` -> chains). */
export function pathParamKind(template: string, param: string): string {
  if (param === 'runId') return 'runs';
  if (param === 'provider') return 'providers';
  if (param === 'sourceKey') return 'sourceKeys';
  const segments = template.split('/');
  const before = segments[segments.indexOf(`{${param}}`) - 1] ?? '';
  return before === 'execution-chains' ? 'chains' : before;
}

/**
 * encodeURIComponent, except that an unpaired surrogate (which it refuses) is sent as its 3-byte WTF-8 form, bytes
 * that are not valid UTF-8.
 */
export function encodeComponent(value: string): string {
  return value.replace(/[\ud800-\udbff][\udc00-\udfff]|[\ud800-\udfff]|[^\ud800-\udfff]+/g, (part) => {
    if (part.length !== 1 || part.charCodeAt(0) < 0xd800 || part.charCodeAt(0) > 0xdfff)
      return encodeURIComponent(part);
    const code = part.charCodeAt(0);
    return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
      .map((b) => `%${b.toString(16).toUpperCase()}`)
      .join('');
  });
}

const RAW_BAD_PATH_VALUES = ['%E0%A4%A', '%', '%zz', '%00', '%2F', '..', '.', '%2e%2e', '%C0%AF', '%ED%A0%80'];
const ENCODED_BAD_PATH_VALUES = [
  'not-a-uuid',
  '0',
  '-1',
  'null',
  'undefined',
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
  '0193a6b2-7c1d-7e4f-9a55-3b2f6c1d2e3',
  '0193a6b2-7c1d-7e4f-9a55-3b2f6c1d2e3fa',
  'x'.repeat(100),
  'x'.repeat(101),
  'x'.repeat(3000),
  '\u202e',
  '\u200b',
  '\ud83d\ude00',
  ' ',
  "'",
  'a b',
  '__proto__',
  'constructor',
];

/** A real id of the caller's tenants (one it may destroy, for DELETE and PATCH of users and tenants). */
function validPathValue(ctx: FuzzContext, op: FuzzOperation, param: string): fc.Arbitrary<string> {
  const kind = pathParamKind(op.path, param);
  const destructive = op.method === 'DELETE' || (op.method === 'PATCH' && (kind === 'users' || kind === 'tenants'));
  const own = (destructive ? ctx.victims[kind] : ctx.ids[kind]) ?? [];
  return own.length ? fc.constantFrom(...own).map(encodeComponent) : fc.uuid();
}

/** An id that is not the caller's (random, another tenant's) or not an id at all (huge, odd, malformed encoding). */
function badPathValue(ctx: FuzzContext, op: FuzzOperation, param: string): fc.Arbitrary<string> {
  const foreign = ctx.foreignIds[pathParamKind(op.path, param)] ?? [];
  const options: fc.WeightedArbitrary<string>[] = [
    { weight: 3, arbitrary: fc.uuid().map(encodeComponent) },
    { weight: 4, arbitrary: fc.constantFrom(...ENCODED_BAD_PATH_VALUES).map(encodeComponent) },
    { weight: 2, arbitrary: fc.constantFrom(...RAW_BAD_PATH_VALUES) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map(encodeComponent) },
  ];
  if (foreign.length) options.push({ weight: 3, arbitrary: fc.constantFrom(...foreign).map(encodeComponent) });
  return fc.oneof(...options);
}

type QueryPairs = [string, string][];

/** Valid query parameters: most left out, the rest plausible (the caller's ids, enum values, examples). */
function validQuery(ctx: FuzzContext, op: FuzzOperation): fc.Arbitrary<QueryPairs> {
  const params = op.query.filter((q) => q.name !== 'cursor');
  if (!params.length) return fc.constant([]);
  const values = params.map(({ name, schema }) => {
    const kind = idKindOfName(name);
    const plausible =
      name === 'is_active' ? 'true' : String(plausibleValue(ctx.doc, schema, ctx.ids, name, 0, ctx.examples));
    const value =
      kind && ctx.ids[kind]?.length
        ? fc.constantFrom(...ctx.ids[kind])
        : name === 'limit'
          ? fc.constantFrom('1', '10', '200')
          : fc.constant(plausible);
    return fc.option(
      value.map((v): [string, string] => [name, v]),
      { freq: 4, nil: undefined },
    );
  });
  return fc.tuple(...values).map((pairs) => pairs.filter((p): p is [string, string] => p !== undefined));
}

/** Valid parameters plus one bad one: a hostile value, a repeated, bracketed or unknown name, raw bad encoding. */
function badQuery(ctx: FuzzContext, op: FuzzOperation): fc.Arbitrary<{ pairs: QueryPairs; raw: string | undefined }> {
  const names = op.query.map((q) => q.name);
  const name = names.length ? fc.constantFrom(...names) : hostileKey;
  const value = fc.oneof(
    hostileString(2000),
    fc.constantFrom('201', '0', '-1', '1.5', '1e2', '+5', ' 5', '5 ', '0x10', 'true', 'false', '2026-11-23'),
  );
  const bad: fc.Arbitrary<{ pairs: QueryPairs; raw: string | undefined }> = fc.oneof(
    {
      weight: 6,
      arbitrary: fc.tuple(name, value).map(([n, v]) => ({ pairs: [[n, v]] as QueryPairs, raw: undefined })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(name, value, value).map(([n, a, b]) => ({
        pairs: [
          [n, a],
          [n, b],
        ] as QueryPairs,
        raw: undefined,
      })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(name, fc.constantFrom('[]', '[x]', '[__proto__]', '.x'), value)
        .map(([n, suffix, v]) => ({ pairs: [[n + suffix, v]] as QueryPairs, raw: undefined })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(hostileKey, value).map(([k, v]) => ({ pairs: [[k, v]] as QueryPairs, raw: undefined })),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          '%zz',
          '%',
          '&&&',
          '=',
          '__proto__[polluted]=1',
          'constructor[prototype][x]=1',
          'a=%00',
          'limit=%ED%A0%80',
          `x=${'y'.repeat(20000)}`,
        )
        .map((raw) => ({ pairs: [] as QueryPairs, raw })),
    },
  );
  return fc.tuple(validQuery(ctx, op), bad).map(([valid, { pairs, raw }]) => ({
    pairs: [...valid.filter(([n]) => !pairs.some(([b]) => b === n)), ...pairs],
    raw,
  }));
}

function queryText(pairs: QueryPairs, raw?: string): string {
  const parts = pairs.map(([k, v]) => `${encodeComponent(k)}=${encodeComponent(v)}`);
  if (raw) parts.push(raw);
  return parts.length ? `?${parts.join('&')}` : '';
}

/** Every place in a JSON value (objects' keys and arrays' items, a few levels deep). */
function pathsOf(value: Json, prefix: PathStep[] = [], out: PathStep[][] = []): PathStep[][] {
  if (prefix.length > 4) return out;
  if (Array.isArray(value)) value.forEach((item, i) => (out.push([...prefix, i]), pathsOf(item, [...prefix, i], out)));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      out.push([...prefix, k]);
      pathsOf(v, [...prefix, k], out);
    }
  return out;
}

function parentOf(root: Json, path: PathStep[]): Record<string, unknown> | unknown[] | undefined {
  let node = root;
  for (const step of path.slice(0, -1)) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[step as string];
  }
  return node && typeof node === 'object' ? (node as Record<string, unknown>) : undefined;
}

type Mutation = (body: Json) => Json;

function mutations(ctx: FuzzContext, paths: PathStep[][]): fc.Arbitrary<Mutation> {
  const allIds = Object.values(ctx.ids).flat().concat(Object.values(ctx.foreignIds).flat());
  const bad = hostileValue(allIds, ctx.hugeLength);
  const at = paths.length ? fc.constantFrom(...paths) : fc.constant([] as PathStep[]);
  const set = fc.tuple(at, bad).map(([path, value]): Mutation => (body) => {
    const parent = parentOf(body, path);
    if (parent && path.length) withOwnKey(parent as Record<string, unknown>, String(path[path.length - 1]), value);
    return body;
  });
  const remove = at.map((path): Mutation => (body) => {
    const parent = parentOf(body, path);
    if (parent && path.length) delete (parent as Record<string, unknown>)[path[path.length - 1] as string];
    return body;
  });
  const extra = fc.tuple(fc.option(at, { freq: 2 }), hostileKey, bad).map(([path, key, value]): Mutation => (body) => {
    const target = path ? (parentOf(body, [...path, 'x']) as Record<string, unknown> | undefined) : body;
    if (target && typeof target === 'object' && !Array.isArray(target))
      withOwnKey(target as Record<string, unknown>, key, value);
    return body;
  });
  const deep = fc.tuple(at, fc.integer({ min: 8, max: 90 })).map(([path, depth]): Mutation => (body) => {
    const parent = parentOf(body, path);
    if (parent && path.length)
      withOwnKey(parent as Record<string, unknown>, String(path[path.length - 1]), nestedValue(depth, 'leaf'));
    return body;
  });
  const replace = bad.map(
    (value): Mutation =>
      () =>
        value,
  );
  return fc.oneof(
    { weight: 8, arbitrary: set },
    { weight: 4, arbitrary: remove },
    { weight: 3, arbitrary: extra },
    { weight: 1, arbitrary: deep },
    { weight: 1, arbitrary: replace },
  );
}

const MALFORMED_JSON = [
  '',
  ' ',
  '{',
  '{"a":}',
  '{"a":1,}',
  '[1,2',
  '{"a":1}{"b":2}',
  "{'a':1}",
  'nul',
  'NaN',
  '{"a":NaN}',
  '{"a":1e400}',
  '\ufeff{}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  'null',
  'true',
  '"text"',
  '123',
  '[]',
  '{"a":"\\u0000"}',
  '{"a":"\\ud800"}',
  '{"\\ud800":1}',
  '{"a":"\\x41"}',
  '{"a":01}',
  `${'['.repeat(3000)}1${']'.repeat(3000)}`,
  `${'{"a":'.repeat(500)}1${'}'.repeat(500)}`,
];

const OTHER_CONTENT_TYPES = [
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'application/xml',
  'text/xml',
  'multipart/form-data; boundary=fuzz',
  'multipart/form-data',
  'application/octet-stream',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/vnd.api+json',
  'application/merge-patch+json',
  'APPLICATION/JSON',
  'application/json;;;',
  'application/jsonx',
  'text/html',
  'image/png',
  '*/*',
  'garbage',
];

const NON_JSON_BODIES = [
  'a=1&b=2',
  'name=%00&__proto__[polluted]=1&constructor[prototype][x]=1',
  'a[b][c][d][e][f][g]=1',
  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
  '<a><b>1</b></a>',
  '--fuzz\r\nContent-Disposition: form-data; name="name"\r\n\r\nvalue\r\n--fuzz--\r\n',
  '--fuzz\r\nContent-Disposition: form-data; name="file"; filename="x.json"\r\nContent-Type: application/json\r\n\r\n{}\r\n--fuzz--\r\n',
  'plain words',
  '',
];

type Body = { body: string | Uint8Array | undefined; contentType: string | undefined };

function validBody(ctx: FuzzContext, op: FuzzOperation): { body: string | undefined; contentType: string | undefined } {
  const base = op.body ? plausibleValue(ctx.doc, op.body, ctx.ids, '', 0, ctx.examples) : undefined;
  return base === undefined
    ? { body: undefined, contentType: undefined }
    : { body: JSON.stringify(base), contentType: 'application/json' };
}

/** A JSON body with one to three mutations, or malformed JSON, another content type, no content type, random bytes. */
function badBody(ctx: FuzzContext, op: FuzzOperation): fc.Arbitrary<Body> {
  const base = op.body ? plausibleValue(ctx.doc, op.body, ctx.ids, '', 0, ctx.examples) : undefined;
  const json: fc.Arbitrary<string> =
    base === undefined
      ? hostileValue([], ctx.hugeLength).map((v) => JSON.stringify(v))
      : fc
          .array(mutations(ctx, pathsOf(base)), { minLength: 1, maxLength: 3 })
          .map((ms) => JSON.stringify(ms.reduce<Json>((body, m) => m(body), structuredClone(base))));
  const asJson = json.map((body): Body => ({ body, contentType: 'application/json' }));
  const malformed = fc.constantFrom(...MALFORMED_JSON).map((body): Body => ({ body, contentType: 'application/json' }));
  const otherType = fc
    .tuple(
      fc.constantFrom(...OTHER_CONTENT_TYPES),
      fc.oneof(fc.constantFrom(...NON_JSON_BODIES), fc.constant(validBody(ctx, op).body ?? '{}'), json),
    )
    .map(([contentType, body]): Body => ({ body, contentType }));
  const noType = fc
    .oneof(json, fc.constant(validBody(ctx, op).body ?? '{}'), fc.constantFrom(...NON_JSON_BODIES))
    .map((b): Body => ({ body: new TextEncoder().encode(b), contentType: undefined }));
  const bytes = fc.uint8Array({ maxLength: 64 }).map((body): Body => ({ body, contentType: 'application/json' }));
  return fc.oneof(
    { weight: 12, arbitrary: asJson },
    { weight: 2, arbitrary: malformed },
    { weight: 3, arbitrary: otherType },
    { weight: 1, arbitrary: noType },
    { weight: 1, arbitrary: bytes },
  );
}

type Credentials = { auth: string; headers: Record<string, string> };

/** The caller's own credentials: the JWT or the API key (of an MSSP admin, both). */
function validCredentials(ctx: FuzzContext, op: FuzzOperation): fc.Arbitrary<Credentials> {
  const jwt = op.path.endsWith('/auth/logout')
    ? ctx.disposableJwt
    : ctx.credentials.jwt.authorization.replace('Bearer ', '');
  return fc.constantFrom<Credentials>(
    { auth: 'jwt', headers: { authorization: `Bearer ${jwt}` } },
    { auth: 'api_key', headers: ctx.credentials.api_key },
  );
}

/** Someone else's credentials (a viewer, another tenant's admin), none at all, or broken ones. */
function badCredentials(ctx: FuzzContext): fc.Arbitrary<Credentials> {
  const others = Object.entries(ctx.credentials)
    .filter(([label]) => label !== 'jwt' && label !== 'api_key')
    .map(([auth, headers]) => ({ auth, headers }));
  const broken = fc
    .constantFrom<Record<string, string>>(
      {},
      { authorization: 'Bearer' },
      { authorization: 'Bearer not.a.jwt' },
      { authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.' },
      { authorization: 'Basic YWRtaW46YWRtaW4=' },
      { authorization: 'bearer  x' },
      { 'x-api-key': 'ck_live_' },
      { 'x-api-key': 'ck_live_0000000000000000000000000000000000000000000000' },
      { 'x-api-key': 'x'.repeat(4000) },
      { authorization: `Bearer ${'a'.repeat(8000)}` },
    )
    .map((headers): Credentials => ({ auth: `broken ${JSON.stringify(headers).slice(0, 60)}`, headers }));
  return others.length
    ? fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...others) }, { weight: 2, arbitrary: broken })
    : broken;
}

function validTenantHeader(ctx: FuzzContext): fc.Arbitrary<Record<string, string>> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.constantFrom(...ctx.ownTenantHeaders).map((t) => ({ 'x-tenant-id': t })) },
  );
}

function badTenantHeader(ctx: FuzzContext): fc.Arbitrary<Record<string, string>> {
  const foreign = ctx.foreignIds.tenants ?? [];
  return fc
    .oneof(
      fc.constantFrom(
        ...foreign,
        '',
        ' ',
        'not-a-tenant',
        '00000000-0000-0000-0000-000000000000',
        'x'.repeat(300),
        '\u00e9t\u00e9',
      ),
      fc.uuid(),
      hostileString(300).map(headerSafe),
    )
    .map((t) => ({ 'x-tenant-id': t }));
}

/** Header values fetch accepts (Latin-1 without control characters); the rest of a hostile string is dropped. */
const headerSafe = (value: string) => value.replace(/[^\x20-\x7e\x80-\xff]/g, '');

/**
 * Odd values of headers every route reads (request id, encoding, accept) and of the receive routes' signature headers.
 */
function badHeaders(): fc.Arbitrary<Record<string, string>> {
  const number = fc.constantFrom(
    '',
    '-1',
    '0',
    '1e400',
    '99999999999999999999',
    'NaN',
    ' 1',
    '1.5',
    String(Math.floor(Date.now() / 1000)),
  );
  const text = hostileString(500).map(headerSafe);
  const pairs: fc.Arbitrary<[string, string]>[] = [
    fc.tuple(
      fc.constant('x-request-id'),
      fc.oneof(text, fc.constantFrom('', 'a b', 'x'.repeat(200), '0193a6b2-7c1d-7e4f-9a55-3b2f6c1d2e3f', '\u00e9')),
    ),
    fc.tuple(
      fc.constant('content-encoding'),
      fc.constantFrom('gzip', 'deflate', 'br', 'zstd', 'identity', 'gzip, gzip', 'x-unknown', ''),
    ),
    fc.tuple(fc.constant('accept'), fc.constantFrom('text/html', 'application/xml', '*/*;q=0', 'x'.repeat(300))),
    fc.tuple(
      fc.constant('stripe-signature'),
      fc.oneof(
        text,
        number.map((t) => `t=${t},v1=00`),
        fc.constantFrom('t=,v1=', 'v1=zz', 't=1,v0=', ',,,'),
      ),
    ),
    fc.tuple(
      fc.constantFrom('x-hub-signature-256', 'x-hub-signature'),
      fc.oneof(text, fc.constantFrom('sha256=', 'sha256=zz', 'sha1=00', 'md5=00', '=')),
    ),
    fc.tuple(fc.constantFrom('x-github-event', 'x-github-delivery', 'x-loki-event', 'webhook-id'), text),
    fc.tuple(fc.constantFrom('webhook-timestamp', 'x-loki-timestamp'), number),
    fc.tuple(
      fc.constantFrom('webhook-signature', 'x-loki-signature'),
      fc.oneof(text, fc.constantFrom('v1,', 'v1,!!!', 'v1a,AAAA', 'v1,AAAA v1,BBBB', 'sha256=00')),
    ),
    fc.tuple(
      fc.constant('authorization'),
      fc.constantFrom(
        'Basic',
        'Basic !!!',
        'Basic Og==',
        'Basic ' + Buffer.from('user').toString('base64'),
        'Bearer a.b.c',
        'Bearer ' + 'e'.repeat(3000),
      ),
    ),
    fc.tuple(fc.constant('x-api-key'), text),
  ];
  return fc.array(fc.oneof(...pairs), { minLength: 1, maxLength: 3 }).map((list) => Object.fromEntries(list));
}

export type Fault = 'path' | 'query' | 'body' | 'auth' | 'tenant' | 'idempotency' | 'headers';

/** What one request gets wrong: usually one thing, sometimes two, sometimes nothing (a valid request). */
function faults(op: FuzzOperation): fc.Arbitrary<Fault[]> {
  const weighted: [Fault, number][] = [
    ['body', op.method === 'GET' ? 0 : op.body ? 8 : 2],
    ['query', op.query.length ? 4 : 1],
    ['path', op.pathParams.length ? 4 : 0],
    ['auth', 2],
    ['tenant', 1],
    ['idempotency', op.headers.includes('Idempotency-Key') ? 1 : 0],
    ['headers', op.authenticated ? 1 : 4],
  ];
  const one = fc.oneof(
    ...weighted.filter(([, w]) => w > 0).map(([fault, weight]) => ({ weight, arbitrary: fc.constant(fault) })),
  );
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant([] as Fault[]) },
    { weight: 10, arbitrary: one.map((f) => [f]) },
    { weight: 3, arbitrary: fc.tuple(one, one).map(([a, b]) => [...new Set([a, b])]) },
  );
}

/** Requests to one operation; `broken` fixes what is wrong with them (`[]`: valid ones), else it varies. */
export function operationRequests(
  ctx: FuzzContext,
  op: FuzzOperation,
  broken: fc.Arbitrary<Fault[]> = faults(op),
): fc.Arbitrary<FuzzRequest> {
  return broken.chain((broken) => {
    const bad = (f: Fault) => broken.includes(f);
    const pathValues = op.pathParams.length
      ? fc.tuple(
          ...op.pathParams.map((p) =>
            bad('path') ? fc.oneof(validPathValue(ctx, op, p), badPathValue(ctx, op, p)) : validPathValue(ctx, op, p),
          ),
        )
      : fc.constant([] as string[]);
    // The multi-tenant receive path: a source's key with its own provider.
    const sourcePath = op.pathParams.join() === 'provider,sourceKey' && !bad('path') && ctx.ids.sourcePaths?.length;
    // Bad path values need at least one bad parameter: the last one is always bad.
    const path = (sourcePath ? fc.constantFrom(...ctx.ids.sourcePaths).map((p) => p.split('/')) : pathValues).chain(
      (values) =>
        bad('path') && values.length
          ? badPathValue(ctx, op, op.pathParams[values.length - 1]).map((last) => [...values.slice(0, -1), last])
          : fc.constant(values),
    );
    const query = bad('query')
      ? badQuery(ctx, op).map(({ pairs, raw }) => queryText(pairs, raw))
      : validQuery(ctx, op).map((pairs) => queryText(pairs));
    // fetch refuses bodies on GET and HEAD.
    const body =
      op.method === 'GET'
        ? fc.constant(validBody(ctx, op))
        : bad('body')
          ? badBody(ctx, op)
          : fc.constant(validBody(ctx, op));
    const auth = bad('auth') ? badCredentials(ctx) : validCredentials(ctx, op);
    const tenant = bad('tenant') ? badTenantHeader(ctx) : validTenantHeader(ctx);
    const idempotency = bad('idempotency')
      ? hostileString(300).map((k) => ({ 'idempotency-key': headerSafe(k) }))
      : fc.constant({});
    const extraHeaders = bad('headers') ? badHeaders() : fc.constant({});
    return fc
      .tuple(path, query, body, auth, tenant, idempotency, extraHeaders)
      .map(
        ([values, queryPart, { body: payload, contentType }, { auth: label, headers }, tenantHeader, idem, extra]) => {
          let url = op.path;
          op.pathParams.forEach((p, i) => (url = url.replace(`{${p}}`, values[i])));
          return {
            operation: `${op.method} ${op.path}`,
            method: op.method,
            url: url + queryPart,
            headers: {
              ...headers,
              ...tenantHeader,
              ...idem,
              ...extra,
              ...(contentType ? { 'content-type': contentType } : {}),
            },
            body: payload,
            auth: label,
          };
        },
      );
  });
}

/** Requests spread evenly over every operation. */
export function fuzzRequests(ctx: FuzzContext, operations: FuzzOperation[]): fc.Arbitrary<FuzzRequest> {
  const perOperation = operations.map((op) => operationRequests(ctx, op));
  return fc.integer({ min: 0, max: perOperation.length - 1 }).chain((i) => perOperation[i]);
}
