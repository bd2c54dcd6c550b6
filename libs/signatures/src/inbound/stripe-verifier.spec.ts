import { createHmac } from 'node:crypto';
import Stripe from 'stripe';
import { verifyInbound } from './verify-inbound';
import { VerificationInput } from './verification.types';

describe('Stripe verification (signed by the stripe package)', () => {
  const stripe = new Stripe('sk_test_x');
  const secret = 'whsec_current_0123456789abcdef';
  const previous = 'whsec_previous_fedcba9876543210';
  const payload = JSON.stringify({ id: 'evt_1', type: 'invoice.paid', data: { object: { amount: 4200 } } });
  const now = new Date('2026-02-03T04:05:06Z');
  const unix = Math.floor(now.getTime() / 1000);

  const sign = (options: { secret?: string; timestamp?: number; body?: string } = {}) =>
    stripe.webhooks.generateTestHeaderString({
      payload: options.body ?? payload,
      secret: options.secret ?? secret,
      timestamp: options.timestamp ?? unix,
    });
  const verify = (header: string | undefined, overrides: Partial<VerificationInput> = {}) =>
    verifyInbound({
      provider: 'stripe',
      rawBody: Buffer.from(payload),
      headers: { 'stripe-signature': header },
      secrets: [secret],
      sourceId: 'src_1',
      tenantId: 'tenant_1',
      now,
      ...overrides,
    });

  it('accepts a header from generateTestHeaderString, keyed by the whsec_ string as-is', () => {
    expect(verify(sign())).toEqual({ ok: true, secretIndex: 0 });
  });

  it('agrees with an independent HMAC over `${t}.${body}`', () => {
    const hex = createHmac('sha256', secret).update(`${unix}.${payload}`).digest('hex');
    expect(verify(sign())).toEqual(verify(`t=${unix},v1=${hex}`));
    expect(sign()).toBe(`t=${unix},v1=${hex}`);
  });

  it('refuses a tampered body', () => {
    expect(verify(sign(), { rawBody: Buffer.from(payload.replace('4200', '4201')) })).toMatchObject({
      ok: false,
      reason: 'signature_invalid',
    });
  });

  it('refuses a wrong secret', () => {
    expect(verify(sign({ secret: 'whsec_somebody_else' }))).toMatchObject({ ok: false, reason: 'signature_invalid' });
  });

  it('refuses a timestamp 10 minutes old or 10 minutes ahead, but not 299 seconds', () => {
    expect(verify(sign({ timestamp: unix - 600 }))).toMatchObject({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(verify(sign({ timestamp: unix + 600 }))).toMatchObject({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(verify(sign({ timestamp: unix - 299 }))).toEqual({ ok: true, secretIndex: 0 });
    expect(verify(sign({ timestamp: unix - 600 }), { toleranceSeconds: 900 })).toEqual({ ok: true, secretIndex: 0 });
  });

  it('refuses a missing or empty header as signature_missing', () => {
    expect(verify(undefined)).toMatchObject({ ok: false, reason: 'signature_missing' });
    expect(verify('')).toMatchObject({ ok: false, reason: 'signature_missing' });
  });

  it('names a header without v1 or without t', () => {
    const v1 = sign().split(',')[1];
    expect(verify(`t=${unix},v0=${'a'.repeat(64)}`)).toMatchObject({ ok: false, reason: 'signature_missing' });
    expect(verify(v1)).toMatchObject({ ok: false, reason: 'timestamp_missing' });
    expect(verify(`t=soon,${v1}`)).toMatchObject({ ok: false, reason: 'timestamp_missing' });
  });

  it('accepts any matching v1 among several, as Stripe sends during its own secret rotation', () => {
    const other = sign({ secret: 'whsec_other' }).split(',')[1];
    const ours = sign().split(',')[1];
    expect(verify(`t=${unix},${other},${ours},v0=ignored`)).toEqual({ ok: true, secretIndex: 0 });
  });

  it('accepts the previous secret during rotation only', () => {
    const signedWithOld = sign({ secret: previous });
    expect(verify(signedWithOld, { secrets: [secret, previous] })).toEqual({ ok: true, secretIndex: 1 });
    expect(verify(sign(), { secrets: [secret, previous] })).toEqual({ ok: true, secretIndex: 0 });
    expect(verify(signedWithOld, { secrets: [secret] })).toMatchObject({ ok: false, reason: 'signature_invalid' });
  });

  it('never puts the secret or the signature in the message', () => {
    const header = sign({ secret: 'whsec_somebody_else' });
    const result = verify(header);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).not.toContain(secret);
    expect(result.message).not.toContain(header.split('v1=')[1]);
  });
});
