import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { verifyInbound } from './verify-inbound';
import { VerificationInput } from './verification.types';

describe('Standard Webhooks verification (signed by the standardwebhooks package)', () => {
  const secret = `whsec_${Buffer.from('current-key-0123456789abcdef0123').toString('base64')}`;
  const previous = `whsec_${Buffer.from('previous-key-0123456789abcdef012').toString('base64')}`;
  const payload = JSON.stringify({ type: 'user.created', data: { id: 'u_1' } });
  const msgId = 'msg_2Kx8JnP1';
  const now = new Date('2026-02-03T04:05:06Z');
  const unix = String(Math.floor(now.getTime() / 1000));

  const headers = (signature: string | undefined, sentAt = now): VerificationInput['headers'] => ({
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
    'webhook-signature': signature,
  });
  const sign = (key = secret, sentAt = now, body = payload) => new Webhook(key).sign(msgId, sentAt, body);
  const verify = (headerValues: VerificationInput['headers'], overrides: Partial<VerificationInput> = {}) =>
    verifyInbound({
      provider: 'standard_webhooks',
      rawBody: Buffer.from(payload),
      headers: headerValues,
      secrets: [secret],
      sourceId: 'src_1',
      tenantId: 'tenant_1',
      now,
      ...overrides,
    });

  it('accepts a signature from Webhook.sign, keyed by the base64-decoded whsec_ part', () => {
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const independent = createHmac('sha256', key).update(`${msgId}.${unix}.${payload}`).digest('base64');
    expect(sign()).toBe(`v1,${independent}`);
    expect(verify(headers(sign()))).toEqual({ ok: true, secretIndex: 0 });
  });

  it('accepts a multi-signature header where only the second one matches', () => {
    const header = `${sign(previous)} ${sign()}`;
    expect(verify(headers(header))).toEqual({ ok: true, secretIndex: 0 });
    expect(verify(headers(`v2,${sign().slice(3)} ${sign(previous)}`))).toMatchObject({
      ok: false,
      reason: 'signature_invalid',
    });
  });

  it('refuses a timestamp outside ±300 s as timestamp_out_of_tolerance', () => {
    const old = new Date(now.getTime() - 600_000);
    const ahead = new Date(now.getTime() + 600_000);
    expect(verify(headers(sign(secret, old), old))).toMatchObject({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(verify(headers(sign(secret, ahead), ahead))).toMatchObject({
      ok: false,
      reason: 'timestamp_out_of_tolerance',
    });
  });

  it('refuses a tampered body, a wrong secret or a timestamp swapped after signing', () => {
    const other = `whsec_${Buffer.from('someone-else-entirely-0123456789').toString('base64')}`;
    expect(verify(headers(sign()), { rawBody: Buffer.from(`${payload} `) })).toMatchObject({
      ok: false,
      reason: 'signature_invalid',
    });
    expect(verify(headers(sign(other)))).toMatchObject({ ok: false, reason: 'signature_invalid' });
    expect(verify(headers(sign(), new Date(now.getTime() - 1000)))).toMatchObject({
      ok: false,
      reason: 'signature_invalid',
    });
  });

  it('names which header is missing', () => {
    const complete = headers(sign());
    expect(verify({ ...complete, 'webhook-signature': undefined })).toMatchObject({
      ok: false,
      reason: 'signature_missing',
    });
    expect(verify({ ...complete, 'webhook-id': undefined })).toMatchObject({ ok: false, reason: 'signature_missing' });
    expect(verify({ ...complete, 'webhook-timestamp': undefined })).toMatchObject({
      ok: false,
      reason: 'timestamp_missing',
    });
    expect(verify({ ...complete, 'webhook-timestamp': now.toISOString() })).toMatchObject({
      ok: false,
      reason: 'timestamp_missing',
    });
  });

  it('accepts the previous secret during rotation only, and skips a malformed stored secret', () => {
    const signedWithOld = headers(sign(previous));
    expect(verify(signedWithOld, { secrets: [secret, previous] })).toEqual({ ok: true, secretIndex: 1 });
    expect(verify(signedWithOld, { secrets: [secret] })).toMatchObject({ ok: false, reason: 'signature_invalid' });
    expect(verify(headers(sign()), { secrets: ['whsec_', secret] })).toEqual({ ok: true, secretIndex: 1 });
  });
});
