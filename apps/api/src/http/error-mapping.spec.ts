import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { QueryFailedError } from 'typeorm';
import { TenantDatabaseUnavailableError, TenantMovingError } from '@conduit/database';
import { QueueUnavailableError } from '@conduit/platform';
import { mapError, sendClientError } from './error-mapping';

const fastifyError = (code: string, statusCode: number, message = 'fastify says') =>
  Object.assign(new Error(message), { code, statusCode });

describe('mapError for Fastify errors', () => {
  it.each([
    ['FST_ERR_MAX_PARAM_LENGTH', 414, 414, 'uri_too_long'],
    ['FST_ERR_BAD_URL', 400, 400, 'malformed_url'],
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 413, 'payload_too_large'],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 415, 'unsupported_media_type'],
    ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400, 400, 'invalid_content_length'],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 400, 'invalid_json'],
    ['FST_ERR_SOMETHING_NEW', 431, 431, 'headers_too_large'],
    ['FST_ERR_SOMETHING_ELSE', 418, 418, 'bad_request'],
  ])('%s (%i) becomes %i %s in the error body', (code, statusCode, status, errorCode) => {
    const mapped = mapError(fastifyError(code, statusCode), 'req-1');
    expect(mapped).toMatchObject({
      status,
      unexpected: false,
      body: {
        error: {
          code: errorCode,
          // A body that is not JSON says so in details (where, when JSON.parse said); the others have none.
          details:
            errorCode === 'invalid_json'
              ? [{ field: 'body', code: 'invalid_json', message: 'the body is not JSON' }]
              : [],
        },
        request_id: 'req-1',
      },
    });
    expect(mapped.body.error.message).not.toContain('FST_ERR');
  });

  it('answers a JSON syntax error with its position, never the text around it', () => {
    let syntax: SyntaxError | undefined;
    try {
      JSON.parse('{"password": "hunter2-secret" x}');
    } catch (err) {
      syntax = Object.assign(err as SyntaxError, { statusCode: 400 });
    }
    const mapped = mapError(syntax, 'req-2');
    expect(mapped.status).toBe(400);
    expect(mapped.body.error).toMatchObject({
      code: 'invalid_json',
      details: [
        {
          field: 'body',
          code: 'invalid_json',
          message: expect.stringMatching(/^the body is not JSON from position \d+$/),
        },
      ],
    });
    expect(JSON.stringify(mapped.body)).not.toContain('hunter2');
  });

  it('keeps server-side errors a 500 internal_error', () => {
    expect(mapError(fastifyError('FST_ERR_ASYNC_CONSTRAINT', 500), null)).toMatchObject({
      status: 500,
      unexpected: true,
      body: { error: { code: 'internal_error' } },
    });
  });
});

describe('mapError for database refusals no service anticipated', () => {
  const queryFailed = (code: string) =>
    new QueryFailedError(
      'INSERT INTO t (a) VALUES ($1)',
      ['secret-value'],
      Object.assign(new Error('db says'), { code, severity: 'ERROR' }),
    );

  it('answers a unique violation 409 conflict and a data exception 400 invalid_input, still flagged for the log', () => {
    expect(mapError(queryFailed('23505'), 'r')).toMatchObject({
      status: 409,
      unexpected: true,
      body: { error: { code: 'conflict' } },
    });
    for (const code of ['22003', '22008', '22P02', '22021']) {
      expect(mapError(queryFailed(code), 'r')).toMatchObject({
        status: 400,
        unexpected: true,
        body: { error: { code: 'invalid_input' } },
      });
    }
    expect(JSON.stringify(mapError(queryFailed('23505'), 'r').body)).not.toContain('secret-value');
  });

  it('keeps other database failures a 500', () => {
    expect(mapError(queryFailed('40001'), 'r')).toMatchObject({
      status: 500,
      body: { error: { code: 'internal_error' } },
    });
    expect(mapError(Object.assign(new Error('no code'), { code: '23505' }), 'r').status).toBe(500);
  });
});

describe('sendClientError', () => {
  const socket = () => {
    const fake = Object.assign(new EventEmitter(), {
      destroyed: false,
      writable: true,
      written: '',
      write: (text: string) => ((fake.written += text), true),
      destroy: () => undefined,
    });
    return fake;
  };

  it.each([
    ['HPE_INVALID_HEADER_TOKEN', 400, 'bad_request'],
    ['HPE_HEADER_OVERFLOW', 431, 'headers_too_large'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'request_timeout'],
  ])('answers %s with %i %s in the error body and closes', (code, status, errorCode) => {
    const s = socket();
    sendClientError(Object.assign(new Error('parse error'), { code }), s as unknown as Socket);
    expect(s.written).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    const body = s.written.slice(s.written.indexOf('\r\n\r\n') + 4);
    expect(JSON.parse(body)).toEqual({
      error: { code: errorCode, message: expect.any(String), details: [] },
      request_id: null,
    });
    expect(s.written).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
  });

  it('writes nothing to a connection that was reset', () => {
    const s = socket();
    sendClientError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }), s as unknown as Socket);
    expect(s.written).toBe('');
  });
});

describe('mapError when the database is away or too slow', () => {
  const pgError = (code: string, message = 'db says') => Object.assign(new Error(message), { code, severity: 'FATAL' });

  it.each([
    [
      'terminated by a restart (57P01)',
      new QueryFailedError('SELECT 1', [], pgError('57P01', 'terminating connection due to administrator command')),
    ],
    ['still starting up (57P03)', pgError('57P03', 'the database system is starting up')],
    ['a connection exception (08006)', pgError('08006')],
    [
      'refused at the socket',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ],
    ['dropped mid-query', new Error('Connection terminated unexpectedly')],
    ['no connection in time', new Error('timeout exceeded when trying to connect')],
  ])('%s is 503 database_unavailable with Retry-After, not logged as unexpected', (_, err) => {
    expect(mapError(err, 'r')).toMatchObject({
      status: 503,
      unexpected: false,
      headers: { 'retry-after': '5' },
      body: { error: { code: 'database_unavailable' }, request_id: 'r' },
    });
  });

  it("is 503 tenant_database_unavailable for a dedicated tenant's database, Retry-After its backoff left", () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6543'), { code: 'ECONNREFUSED' });
    expect(mapError(new TenantDatabaseUnavailableError('t1', refused, 8), 'r')).toMatchObject({
      status: 503,
      unexpected: false,
      headers: { 'retry-after': '8' },
      body: { error: { code: 'tenant_database_unavailable' } },
    });
    expect(JSON.stringify(mapError(new TenantDatabaseUnavailableError('t1', refused, 8), 'r').body)).not.toContain(
      '6543',
    );
    expect(mapError(new TenantDatabaseUnavailableError('t1', refused), 'r').headers).toEqual({ 'retry-after': '5' });
  });

  it('is 503 query_timeout for a statement stopped by statement_timeout', () => {
    const err = new QueryFailedError(
      'SELECT pg_sleep(10)',
      [],
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014', severity: 'ERROR' }),
    );
    expect(mapError(err, 'r')).toMatchObject({
      status: 503,
      headers: { 'retry-after': '5' },
      body: { error: { code: 'query_timeout' } },
    });
  });

  it('keeps an Error that merely names a SQLSTATE-like code, or another refusal, out of it', () => {
    expect(mapError(Object.assign(new Error('x'), { code: '57P01' }), 'r').status).toBe(500);
    expect(mapError(pgError('42P01'), 'r').status).toBe(500);
  });
});

describe('mapError while Redis is away', () => {
  it('answers a QueueUnavailableError 503 queue_unavailable with Retry-After, not logged as unexpected', () => {
    const err = new QueueUnavailableError('Redis is unavailable', {
      cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }),
    });
    expect(mapError(err, 'r')).toMatchObject({
      status: 503,
      unexpected: false,
      headers: { 'retry-after': '5' },
      body: { error: { code: 'queue_unavailable' } },
    });
  });
});

describe('mapError while a tenant moves', () => {
  it('answers a TenantMovingError 503 tenant_moving with Retry-After: 1, not logged as unexpected', () => {
    expect(mapError(new TenantMovingError('00000000-0000-4000-8000-000000000001'), 'r')).toMatchObject({
      status: 503,
      unexpected: false,
      headers: { 'retry-after': '1' },
      body: { error: { code: 'tenant_moving' } },
    });
  });
});
