import { createHmac } from 'node:crypto';
import { signLoki } from '../loki-signature';
import { verifyInbound } from './verify-inbound';
import { VerificationInput } from './verification.types';

describe('seed HMAC verification (X-Loki-Signature / X-Loki-Timestamp)', () => {
  const secret = 'whsec_c2VjcmV0LXRva2VuLWZvci1sb2tp';
  const previous = 'whsec_cHJldmlvdXMtc2VjcmV0LXRva2Vu';
  const payload = '{"event_name":"payment.completed","payload":{"amount":99.99}}';
  const now = new Date('2026-02-03T04:05:06Z');
  const unix = (at: Date) => String(Math.floor(at.getTime() / 1000));
  const hex = (key: string, body = payload) => createHmac('sha256', key).update(body).digest('hex');

  const lokiHeaders = (key = secret, sentAt = now): VerificationInput['headers'] => {
    const signed = signLoki(payload, key, sentAt, 'payment.completed');
    return {
      'x-loki-signature': signed['X-Loki-Signature'],
      'x-loki-timestamp': signed['X-Loki-Timestamp'],
      'x-loki-event': signed['X-Loki-Event'],
    };
  };
  const verify = (headers: VerificationInput['headers'], overrides: Partial<VerificationInput> = {}) =>
    verifyInbound({
      provider: 'hmac',
      rawBody: Buffer.from(payload),
      headers,
      secrets: [secret],
      sourceId: 'src_1',
      tenantId: 'tenant_1',
      now,
      ...overrides,
    });

  it('accepts headers from signLoki (RFC 3339 timestamp)', () => {
    const headers = lokiHeaders();
    expect(headers['x-loki-signature']).toBe(`sha256=${hex(secret)}`);
    expect(headers['x-loki-timestamp']).toBe('2026-02-03T04:05:06Z');
    expect(verify(headers)).toEqual({ ok: true, secretIndex: 0 });
  });

  it('accepts an independent node:crypto signature with a Unix-seconds timestamp, with or without sha256=', () => {
    expect(verify({ 'x-loki-signature': `sha256=${hex(secret)}`, 'x-loki-timestamp': unix(now) })).toEqual({
      ok: true,
      secretIndex: 0,
    });
    expect(verify({ 'x-loki-signature': hex(secret), 'x-loki-timestamp': unix(now) })).toEqual({
      ok: true,
      secretIndex: 0,
    });
    expect(verify({ 'x-loki-signature': hex(secret), 'x-loki-timestamp': '2026-02-03T05:05:06+01:00' })).toEqual({
      ok: true,
      secretIndex: 0,
    });
  });

  it('refuses a tampered body or a wrong secret', () => {
    expect(verify(lokiHeaders(), { rawBody: Buffer.from(payload.replace('99.99', '0.01')) })).toMatchObject({
      ok: false,
      reason: 'signature_invalid',
    });
    expect(verify(lokiHeaders('whsec_someone_else'))).toMatchObject({ ok: false, reason: 'signature_invalid' });
  });

  it('refuses timestamps more than 5 minutes away in either direction, in both formats', () => {
    const old = new Date(now.getTime() - 600_000);
    const ahead = new Date(now.getTime() + 301_000);
    expect(verify(lokiHeaders(secret, old))).toMatchObject({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(verify(lokiHeaders(secret, ahead))).toMatchObject({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(verify({ 'x-loki-signature': hex(secret), 'x-loki-timestamp': unix(old) })).toMatchObject({
      ok: false,
      reason: 'timestamp_out_of_tolerance',
    });
    expect(
      verify({ 'x-loki-signature': hex(secret), 'x-loki-timestamp': unix(new Date(now.getTime() - 300_000)) }),
    ).toEqual({ ok: true, secretIndex: 0 });
  });

  it('names a missing signature, a missing timestamp and an unreadable one', () => {
    const headers = lokiHeaders();
    expect(verify({ ...headers, 'x-loki-signature': undefined })).toMatchObject({
      ok: false,
      reason: 'signature_missing',
    });
    expect(verify({ ...headers, 'x-loki-timestamp': undefined })).toMatchObject({
      ok: false,
      reason: 'timestamp_missing',
    });
    expect(verify({ ...headers, 'x-loki-timestamp': 'yesterday' })).toMatchObject({
      ok: false,
      reason: 'timestamp_missing',
    });
  });

  it('accepts the previous secret during rotation only', () => {
    expect(verify(lokiHeaders(previous), { secrets: [secret, previous] })).toEqual({ ok: true, secretIndex: 1 });
    expect(verify(lokiHeaders(previous), { secrets: [secret] })).toMatchObject({
      ok: false,
      reason: 'signature_invalid',
    });
  });
});
