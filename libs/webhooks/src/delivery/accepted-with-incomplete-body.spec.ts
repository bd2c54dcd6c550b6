import { describe, expect, it } from 'vitest';
import type { OutboundResult } from '@conduit/outbound-http';
import { acceptedWithIncompleteBody } from './delivery-sender';

const result = (over: Partial<OutboundResult>): OutboundResult => ({
  ok: false,
  headers: {},
  body: '',
  truncated: false,
  durationMs: 1,
  ...over,
});

describe('acceptedWithIncompleteBody', () => {
  it('accepts a 2xx status line whose body timed out or was cut off', () => {
    expect(acceptedWithIncompleteBody(result({ statusCode: 200, errorClass: 'timeout' }))).toBe(true);
    expect(acceptedWithIncompleteBody(result({ statusCode: 204, errorClass: 'connection_reset' }))).toBe(true);
    expect(acceptedWithIncompleteBody(result({ statusCode: 299, errorClass: 'network' }))).toBe(true);
  });

  it('leaves everything else to the usual rules', () => {
    expect(acceptedWithIncompleteBody(result({ ok: true, statusCode: 200 }))).toBe(false);
    expect(acceptedWithIncompleteBody(result({ statusCode: 500, errorClass: 'timeout' }))).toBe(false);
    expect(acceptedWithIncompleteBody(result({ statusCode: 301, errorClass: 'connection_reset' }))).toBe(false);
    expect(acceptedWithIncompleteBody(result({ errorClass: 'timeout' }))).toBe(false);
    expect(acceptedWithIncompleteBody(result({ statusCode: 200, errorClass: 'tls' }))).toBe(false);
  });
});
