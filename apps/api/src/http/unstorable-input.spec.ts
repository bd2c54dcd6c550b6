import type { FastifyRequest } from 'fastify';
import { MAX_INPUT_DEPTH } from '@conduit/platform';
import { unstorableInputError } from './unstorable-input';

const request = (parts: { params?: unknown; query?: unknown; body?: unknown }) => ({ params: {}, query: {}, routeOptions: { url: '/api/v1/things/:id' }, ...parts }) as unknown as FastifyRequest;

describe('unstorableInputError', () => {
  it('lets ordinary input and byte bodies through', () => {
    expect(unstorableInputError(request({ params: { id: 'abc' }, query: { limit: '5' }, body: { a: ['b', { c: 1 }] } }))).toBeNull();
    expect(unstorableInputError(request({ body: Buffer.from('a\u0000b') }))).toBeNull();
    expect(unstorableInputError(request({ body: undefined }))).toBeNull();
    expect(unstorableInputError({ ...request({ body: { a: '\u0000' } }), routeOptions: {} } as FastifyRequest)).toBeNull();
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
    expect(unstorableInputError(request({ query: { event_name: '\u0000' } }))).toMatchObject({ status: 400, details: [{ field: 'event_name' }] });
    expect(unstorableInputError(request({ query: { tag: ['a', '\u0000'] } }))).toMatchObject({ details: [{ field: 'tag[1]' }] });
    expect(unstorableInputError(request({ params: { id: 'a\u0000' } }))).toMatchObject({ details: [{ field: 'id' }] });
  });

  it(`refuses a body nested more than ${MAX_INPUT_DEPTH} levels deep`, () => {
    let deep: unknown = 1;
    for (let i = 0; i < 2000; i += 1) deep = [deep];
    const refusal = unstorableInputError(request({ body: { payload: deep } }));
    expect(refusal).toMatchObject({ code: 'validation_failed', status: 400 });
    expect(refusal?.message).toBe(`Request body is nested more than ${MAX_INPUT_DEPTH} levels deep`);
  });
});
