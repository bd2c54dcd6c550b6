import type { CaseIngest } from '@conduit/cases';
import type { TenantContext } from '@conduit/database';
import { Clock, MAX_INPUT_DEPTH, asTenantId } from '@conduit/platform';
import { EVENT_NAME, EventsService } from '@conduit/webhooks';
import type { InboundEventsRepository } from './repositories/inbound-events.repository';
import { RoutingService, normalizeEventType, payloadOf, pushedItems } from './routing.service';

const asBytes = (text: string, contentType: string | null = 'application/json') => ({
  raw_body: Buffer.from(text),
  content_type: contentType,
});
const nestedText = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

describe('payloadOf', () => {
  it('routes JSON bodies as parsed, escaped NUL text and emoji included', () => {
    const text = JSON.stringify({
      note: 'a \\u0000 b \ud83d\ude00',
      deep: JSON.parse(nestedText(MAX_INPUT_DEPTH - 1)),
    });
    expect(payloadOf(asBytes(text))).toEqual(JSON.parse(text));
    expect(payloadOf(asBytes('{"a":1}', null))).toEqual({ a: 1 });
  });

  it.each([
    ['a NUL in a value', '{"note":"a\\u0000b"}'],
    ['a NUL in a key', '{"\\u0000":1}'],
    ['an unpaired surrogate', '{"note":"\\ud800"}'],
    ['nesting deeper than the API accepts', `{"a":${nestedText(MAX_INPUT_DEPTH)}}`],
    ['nesting that would overflow the stack', nestedText(200_000)],
    ['a whole number beyond 2^53 - 1, which parsing would round', '{"id":12345678901234567890,"type":"a.b"}'],
    ['a key the API refuses', '{"a":{"constructor":{"prototype":{}}}}'],
  ])('routes JSON it cannot hold (%s) as the bytes received', (_what, text) => {
    expect(payloadOf(asBytes(text))).toEqual({
      content_type: 'application/json',
      body_base64: Buffer.from(text).toString('base64'),
    });
  });

  it('reads JSON after a UTF-8 byte order mark, as the receive path does', () => {
    expect(payloadOf(asBytes('\ufeff{"a":1}'))).toEqual({ a: 1 });
    expect(payloadOf(asBytes('\ufeff{"a":1}', 'application/vnd.api+json; charset=utf-8'))).toEqual({ a: 1 });
  });

  it('routes JSON sequences and lines as bytes, even when they hold one value', () => {
    for (const contentType of ['application/jsonl', 'application/json-seq', 'application/x-ndjson']) {
      expect(payloadOf(asBytes('{"a":1}', contentType))).toEqual({
        content_type: contentType,
        body_base64: Buffer.from('{"a":1}').toString('base64'),
      });
    }
  });

  it('routes other bodies as bytes', () => {
    expect(payloadOf(asBytes('a=1', 'application/x-www-form-urlencoded'))).toEqual({
      content_type: 'application/x-www-form-urlencoded',
      body_base64: Buffer.from('a=1').toString('base64'),
    });
    expect(payloadOf(asBytes('{not json'))).toEqual({
      content_type: 'application/json',
      body_base64: Buffer.from('{not json').toString('base64'),
    });
  });
});

describe('normalizeEventType', () => {
  it.each([
    ['payment_intent.succeeded', 'payment_intent.succeeded'],
    [' order created ', 'order_created'],
    ['a..b', 'a.b'],
    ['.a.b.', 'a.b'],
    [42, '42'],
    ['issues/opened', 'issues_opened'],
  ])('makes %j into %j', (raw, name) => {
    expect(normalizeEventType(raw)).toBe(name);
  });

  it.each([undefined, null, {}, ['a'], '', '   ', '.', '...'])('has no event type for %j', (raw) => {
    expect(normalizeEventType(raw)).toBeUndefined();
  });

  it('shortens to 200 characters before dropping a trailing dot, so a cut after a dot leaves no trailing dot', () => {
    expect(normalizeEventType(`${'a'.repeat(199)}.b`)).toBe('a'.repeat(199));
    expect(normalizeEventType(`${'a'.repeat(199)}..b`)).toBe('a'.repeat(199));
    expect(normalizeEventType(`.${'a'.repeat(300)}`)).toBe('a'.repeat(200));
    expect(normalizeEventType('a'.repeat(300))).toBe('a'.repeat(200));
  });

  it('always gives a name the event-name rule accepts', () => {
    const pieces = ['a', '.', '..', ' ', '/', 'é', '-', '_', 'b.c', '\u0000'];
    for (let seed = 1; seed < 2000; seed++) {
      let raw = '';
      for (let n = seed, i = 0; raw.length < 230 && i < 120; i++, n = (n * 1103515245 + 12345) % 2 ** 31)
        raw += pieces[n % pieces.length];
      const name = normalizeEventType(raw);
      if (name !== undefined) {
        expect(name).toMatch(EVENT_NAME);
        expect(name.length).toBeLessThanOrEqual(200);
      }
    }
  });
});

describe('RoutingService.routeAll', () => {
  const tenant = asTenantId('00000000-0000-4000-8000-000000000001');
  const setup = () => {
    const routing = new RoutingService(
      {} as TenantContext,
      {} as InboundEventsRepository,
      {} as EventsService,
      {} as CaseIngest,
      new Clock(),
    );
    return {
      routing,
      batch: vi.spyOn(routing, 'routeBatch'),
      one: vi.spyOn(routing, 'route'),
      record: vi.spyOn(routing, 'recordFailure').mockResolvedValue(undefined),
    };
  };

  it('routes a batch in one go and nothing one by one when that succeeds', async () => {
    const { routing, batch, one } = setup();
    batch.mockResolvedValue(undefined);
    expect(await routing.routeAll(tenant, ['a', 'b', 'a'], 0, false)).toEqual([]);
    expect(batch).toHaveBeenCalledWith(tenant, ['a', 'b'], 0);
    expect(one).not.toHaveBeenCalled();
  });

  it('routes each request on its own when the batch fails, recording only the failing one', async () => {
    const { routing, batch, one, record } = setup();
    batch.mockRejectedValue(new Error('refused'));
    one.mockImplementation(async (_t, id) => {
      if (id === 'b') throw new Error('refused');
      return 'routed';
    });
    const failures = await routing.routeAll(tenant, ['a', 'b', 'c'], 2, true);
    expect(failures.map((f) => [f.id, f.error.message])).toEqual([['b', 'refused']]);
    expect(one.mock.calls.map((c) => [c[1], c[2]])).toEqual([
      ['a', 2],
      ['b', 2],
      ['c', 2],
    ]);
    expect(record).toHaveBeenCalledTimes(1);
    expect(record).toHaveBeenCalledWith(tenant, 'b', 'refused', true);
  });

  it('routes a single request directly', async () => {
    const { routing, batch, one } = setup();
    one.mockResolvedValue('routed');
    expect(await routing.routeAll(tenant, ['a'], 0, false)).toEqual([]);
    expect(batch).not.toHaveBeenCalled();
    expect(one).toHaveBeenCalledTimes(1);
  });
});

describe('pushedItems', () => {
  it('reads an array body as its items, any other body as one item, and items_path matches', () => {
    expect(pushedItems([{ id: 1 }, { id: 2 }], null)).toEqual([{ id: 1 }, { id: 2 }]);
    expect(pushedItems({ id: 1 }, null)).toEqual([{ id: 1 }]);
    expect(pushedItems({ data: { alerts: [{ id: 1 }, { id: 2 }] } }, '$.data.alerts')).toEqual([{ id: 1 }, { id: 2 }]);
    expect(pushedItems({ hits: [{ a: { id: 1 } }, { a: { id: 2 } }] }, '$.hits[*].a')).toEqual([{ id: 1 }, { id: 2 }]);
    expect(pushedItems({ other: 1 }, '$.data.alerts')).toEqual([]);
  });
});
