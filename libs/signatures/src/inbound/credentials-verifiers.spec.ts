import { verifyInbound } from './verify-inbound';
import { VerificationInput } from './verification.types';

const base = (overrides: Partial<VerificationInput>): VerificationInput => ({
  provider: 'none',
  rawBody: Buffer.from('{"hello":"world"}'),
  headers: {},
  secrets: [],
  sourceId: 'src_1',
  tenantId: 'tenant_1',
  now: new Date('2026-02-03T04:05:06Z'),
  ...overrides,
});

describe('API key verification', () => {
  const current = 'ck_live_current_8f3a1c';
  const previous = 'ck_live_previous_71be0d';
  const verify = (headers: VerificationInput['headers'], secrets = [current]) =>
    verifyInbound(base({ provider: 'api_key', headers, secrets }));

  it('accepts X-API-Key or Authorization: Bearer equal to a secret', () => {
    expect(verify({ 'x-api-key': current })).toEqual({ ok: true, secretIndex: 0 });
    expect(verify({ authorization: `Bearer ${current}` })).toEqual({ ok: true, secretIndex: 0 });
    expect(verify({ authorization: `bearer ${current}` })).toEqual({ ok: true, secretIndex: 0 });
  });

  it('refuses a wrong key, a prefix of the key, or a missing one', () => {
    expect(verify({ 'x-api-key': 'ck_live_guess' })).toMatchObject({ ok: false, reason: 'credentials_invalid' });
    expect(verify({ 'x-api-key': current.slice(0, -1) })).toMatchObject({ ok: false, reason: 'credentials_invalid' });
    expect(verify({})).toMatchObject({ ok: false, reason: 'credentials_missing' });
    expect(verify({ authorization: `Basic ${current}` })).toMatchObject({ ok: false, reason: 'credentials_missing' });
  });

  it('accepts the previous key during rotation only, and never echoes the key', () => {
    expect(verify({ 'x-api-key': previous }, [current, previous])).toEqual({ ok: true, secretIndex: 1 });
    const refused = verify({ 'x-api-key': previous });
    expect(refused).toMatchObject({ ok: false, reason: 'credentials_invalid' });
    expect(JSON.stringify(refused)).not.toContain(previous);
  });
});

describe('Basic auth verification', () => {
  const basic = (pair: string) => `Basic ${Buffer.from(pair).toString('base64')}`;
  const verify = (authorization: string | undefined, secrets = ['stripe-relay:pässwörd:with-colon']) =>
    verifyInbound(base({ provider: 'basic', headers: { authorization }, secrets }));

  it('accepts user:password matching a stored secret (password may contain colons, UTF-8)', () => {
    expect(verify(basic('stripe-relay:pässwörd:with-colon'))).toEqual({ ok: true, secretIndex: 0 });
    expect(verify(basic('stripe-relay:pässwörd:with-colon').replace('Basic', 'basic'))).toEqual({
      ok: true,
      secretIndex: 0,
    });
  });

  it('refuses a wrong password, a wrong user, or garbage', () => {
    expect(verify(basic('stripe-relay:password'))).toMatchObject({ ok: false, reason: 'credentials_invalid' });
    expect(verify(basic('someone:pässwörd:with-colon'))).toMatchObject({ ok: false, reason: 'credentials_invalid' });
    expect(verify(basic('no-colon-at-all'))).toMatchObject({ ok: false, reason: 'credentials_invalid' });
    expect(verify('Basic %%%not-base64%%%')).toMatchObject({ ok: false, reason: 'credentials_invalid' });
  });

  it('refuses a missing header or another scheme as credentials_missing', () => {
    expect(verify(undefined)).toMatchObject({ ok: false, reason: 'credentials_missing' });
    expect(verify('Bearer abc')).toMatchObject({ ok: false, reason: 'credentials_missing' });
    expect(verify('Basic')).toMatchObject({ ok: false, reason: 'credentials_missing' });
  });

  it('accepts the previous pair during rotation', () => {
    expect(verify(basic('relay:old'), ['relay:new', 'relay:old'])).toEqual({ ok: true, secretIndex: 1 });
    expect(verify(basic('relay:old'), ['relay:new'])).toMatchObject({ ok: false, reason: 'credentials_invalid' });
  });
});

describe('no verification', () => {
  it('accepts anything', () => {
    expect(verifyInbound(base({ provider: 'none' }))).toEqual({ ok: true, secretIndex: 0 });
    expect(verifyInbound(base({ provider: 'none', headers: { authorization: 'Bearer junk' } }))).toEqual({
      ok: true,
      secretIndex: 0,
    });
  });
});

describe('signed providers without any secret', () => {
  it.each(['stripe', 'github', 'standard_webhooks', 'hmac', 'jwt_hmac', 'api_key', 'basic'] as const)(
    '%s refuses everything',
    (provider) => {
      const headers = {
        'stripe-signature': `t=${Math.floor(Date.parse('2026-02-03T04:05:06Z') / 1000)},v1=${'0'.repeat(64)}`,
        'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
        'webhook-id': 'msg_1',
        'webhook-timestamp': String(Math.floor(Date.parse('2026-02-03T04:05:06Z') / 1000)),
        'webhook-signature': 'v1,AAAA',
        'x-loki-signature': '0'.repeat(64),
        'x-loki-timestamp': '2026-02-03T04:05:06Z',
        authorization: 'Bearer a.b.c',
        'x-api-key': '',
      };
      expect(verifyInbound(base({ provider, headers, secrets: [] })).ok).toBe(false);
    },
  );
});
