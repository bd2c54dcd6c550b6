import type { FastifyRequest } from 'fastify';
import { MAX_INPUT_DEPTH } from '@conduit/platform';
import { unstorableInputError } from './unstorable-input';

const request = (parts: { params?: unknown; query?: unknown; body?: unknown }) =>
  ({ params: {}, query: {}, routeOptions: { url: '/api/v1/things/:id' }, ...parts }) as unknown as FastifyRequest;

describe('unstorableInputError', () => {
  it('lets ordinary input and byte bodies through', () => {
    expect(
      unstorableInputError(request({ params: { id: 'abc' }, query: { limit: '5' }, body: { a: ['b', { c: 1 }] } })),
    ).toBeNull();
    expect(unstorableInputError(request({ body: Buffer.from('a\u0000b') }))).toBeNull();
    expect(unstorableInputError(request({ body: undefined }))).toBeNull();
    expect(
      unstorableInputError({ ...request({ body: { a: '\u0000' } }), routeOptions: {} } as FastifyRequest),
    ).toBeNull();
  });

  it('refuses a NUL or an unpaired surrogate in a body string or key with 400 validation_failed naming the path', () => {
    const nul = unstorableInputError(request({ body: { payload: { note: ['ok', 'a\u0000'] } } }));
    expect(nul).toMatchObject({ code: 'validation_failed', status: 400, details: [{ field: 'payload.note[1]' }] });
    expect(nul?.message).toBe('payload.note[1] contains a NUL character (\\u0000), which cannot be stored');
    const key = unstorableInputError(request({ body: { payload: { '\ud800': 1 } } }));
    expect(key).toMatchObject({ code: 'validation_failed', details: [{ field: 'payload["\\ud800"]' }] });
    expect(key?.message).toContain('unpaired UTF-16 surrogate');
    expect(unstorableInputError(request({ body: '\u0000' }))).toMatchObject({ details: [{ field: 'body' }] });
  });

  it('refuses a NUL in a query value or a path parameter', () => {
    expect(unstorableInputError(request({ query: { event_name: '\u0000' } }))).toMatchObject({
      status: 400,
      details: [{ field: 'event_name' }],
    });
    expect(unstorableInputError(request({ query: { tag: ['a', '\u0000'] } }))).toMatchObject({
      details: [{ field: 'tag[1]' }],
    });
    expect(unstorableInputError(request({ params: { id: 'a\u0000' } }))).toMatchObject({ details: [{ field: 'id' }] });
  });

  it(`refuses a body nested more than ${MAX_INPUT_DEPTH} levels deep`, () => {
    let deep: unknown = 1;
    for (let i = 0; i < 2000; i += 1) deep = [deep];
    const refusal = unstorableInputError(request({ body: { payload: deep } }));
    expect(refusal).toMatchObject({ code: 'validation_failed', status: 400 });
    expect(refusal?.message).toBe(`Request body is nested more than ${MAX_INPUT_DEPTH} levels deep`);
  });

  it('refuses __proto__, constructor and prototype as keys at any depth, and in query strings', () => {
    const proto = unstorableInputError(
      request({ body: JSON.parse('{"name": "a", "__proto__": {"x": 1}}') as unknown }),
    );
    expect(proto).toMatchObject({ code: 'validation_failed', status: 400, details: [{ field: '__proto__' }] });
    expect(proto?.message).toContain('not accepted as keys');
    expect(unstorableInputError(request({ body: { steps: [{ name: 's', prototype: 1 }] } }))).toMatchObject({
      details: [{ field: 'steps[0].prototype' }],
    });
    expect(unstorableInputError(request({ body: { payload: { a: { constructor: 'x' } } } }))).toMatchObject({
      details: [{ field: 'payload.a.constructor' }],
    });
    expect(unstorableInputError(request({ query: { constructor: '1' } }))).toMatchObject({
      details: [{ field: 'constructor' }],
    });
    expect(
      unstorableInputError(request({ body: { payload: { Constructor: 1, proto: 2, note: 'prototype' } } })),
    ).toBeNull();
  });

  it('refuses whole numbers beyond 2^53 - 1 with the path and what to do instead', () => {
    const big = unstorableInputError(
      request({ body: JSON.parse('{"payload": {"amount": 12345678901234567890}}') as unknown }),
    );
    expect(big).toMatchObject({ code: 'validation_failed', status: 400, details: [{ field: 'payload.amount' }] });
    expect(big?.message).toContain('send it as a string');
    expect(unstorableInputError(request({ body: { payload: [-(2 ** 53)] } }))).toMatchObject({
      details: [{ field: 'payload[0]' }],
    });
    expect(
      unstorableInputError(
        request({
          body: { payload: { a: Number.MAX_SAFE_INTEGER, b: -Number.MAX_SAFE_INTEGER, c: 1.5e300 / 1e300, d: 0.1 } },
        }),
      ),
    ).toBeNull();
  });
});
