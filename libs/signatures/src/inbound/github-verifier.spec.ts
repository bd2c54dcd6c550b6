import { createHmac } from 'node:crypto';
import { verifyInbound } from './verify-inbound';
import { VerificationInput } from './verification.types';

describe('GitHub verification (signed by @octokit/webhooks-methods)', () => {
  const secret = 'gh-current-secret';
  const previous = 'gh-previous-secret';
  const payload = JSON.stringify({ action: 'opened', pull_request: { number: 7 } });
  let sign: (secret: string, payload: string) => Promise<string>;

  beforeAll(async () => {
    ({ sign } = await import('@octokit/webhooks-methods'));
  });

  const verify = (header: string | undefined, overrides: Partial<VerificationInput> = {}) =>
    verifyInbound({
      provider: 'github',
      rawBody: Buffer.from(payload),
      headers: { 'x-hub-signature-256': header },
      secrets: [secret],
      sourceId: 'src_1',
      tenantId: 'tenant_1',
      now: new Date('2026-02-03T04:05:06Z'),
      ...overrides,
    });

  it("matches GitHub's published test vector", () => {
    const vector = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    const input = { rawBody: Buffer.from('Hello, World!'), secrets: ["It's a Secret to Everybody"] };
    expect(verify(vector, input)).toEqual({ ok: true, secretIndex: 0 });
    expect(verify(vector.replace('757', '758'), input)).toMatchObject({ ok: false, reason: 'signature_invalid' });
  });

  it('accepts a signature from octokit sign()', async () => {
    const header = await sign(secret, payload);
    expect(header).toBe(`sha256=${createHmac('sha256', secret).update(payload).digest('hex')}`);
    expect(verify(header)).toEqual({ ok: true, secretIndex: 0 });
  });

  it('refuses a tampered body or a wrong secret', async () => {
    expect(verify(await sign(secret, payload), { rawBody: Buffer.from(`${payload} `) })).toMatchObject({
      ok: false,
      reason: 'signature_invalid',
    });
    expect(verify(await sign('not-ours', payload))).toMatchObject({ ok: false, reason: 'signature_invalid' });
  });

  it('refuses a bare hex digest (GitHub always sends sha256=)', async () => {
    const header = await sign(secret, payload);
    expect(verify(header.slice('sha256='.length))).toMatchObject({ ok: false, reason: 'signature_invalid' });
  });

  it('refuses a missing header, and does not fall back to the SHA-1 X-Hub-Signature', () => {
    expect(verify(undefined)).toMatchObject({ ok: false, reason: 'signature_missing' });
    const sha1 = `sha1=${createHmac('sha1', secret).update(payload).digest('hex')}`;
    expect(verify(undefined, { headers: { 'x-hub-signature': sha1 } })).toMatchObject({
      ok: false,
      reason: 'signature_missing',
    });
  });

  it('accepts the previous secret during rotation only', async () => {
    const signedWithOld = await sign(previous, payload);
    expect(verify(signedWithOld, { secrets: [secret, previous] })).toEqual({ ok: true, secretIndex: 1 });
    expect(verify(signedWithOld, { secrets: [secret] })).toMatchObject({ ok: false, reason: 'signature_invalid' });
  });
});
