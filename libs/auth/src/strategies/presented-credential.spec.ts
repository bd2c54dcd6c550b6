import jwt from 'jsonwebtoken';
import { generateKeyPairSync } from 'node:crypto';
import { presentedCredential, presentedValue } from './presented-credential';

const KEY = `ck_live_0123456789ab${'A'.repeat(43)}`;
const ours = jwt.sign({ typ: 'access' }, 'a-secret-of-at-least-thirty-two-characters', { algorithm: 'HS256' });
const theirs = jwt.sign({ email: 'a@b.test' }, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, {
  algorithm: 'RS256',
});

describe('presentedCredential', () => {
  it('reads X-Api-Key first, then a bearer that is an API key', () => {
    expect(presentedCredential({ apiKey: KEY, authorization: `Bearer ${ours}` })).toEqual({
      kind: 'api_key',
      value: KEY,
    });
    expect(presentedCredential({ authorization: `Bearer ${KEY}` })).toEqual({ kind: 'api_key', value: KEY });
    expect(presentedCredential({ apiKey: 'not-a-key' })).toEqual({ kind: 'api_key', value: 'not-a-key' });
  });

  it('tells our HS256 tokens from an identity provider’s by the algorithm; anything else is ours to refuse', () => {
    expect(presentedCredential({ authorization: `Bearer ${ours}` })).toEqual({ kind: 'conduit_token', value: ours });
    expect(presentedCredential({ authorization: `bearer ${theirs} ` })).toEqual({
      kind: 'identity_provider_token',
      value: theirs,
    });
    expect(presentedCredential({ authorization: 'Bearer garbage' })).toEqual({
      kind: 'conduit_token',
      value: 'garbage',
    });
  });

  it('reads a bearer as a token when X-Api-Key is given but empty', () => {
    expect(presentedCredential({ apiKey: '', authorization: `Bearer ${KEY}` })).toEqual({
      kind: 'conduit_token',
      value: KEY,
    });
  });

  it('tells a malformed Authorization header from no credential at all', () => {
    expect(presentedCredential({ authorization: 'Basic dXNlcjpwYXNz' })).toEqual({ kind: 'malformed_authorization' });
    expect(presentedCredential({ authorization: 'Bearer two words' })).toEqual({ kind: 'malformed_authorization' });
    expect(presentedCredential({ authorization: '' })).toEqual({ kind: 'none' });
    expect(presentedCredential({})).toEqual({ kind: 'none' });
  });

  it('hands the strategies the key or token, or nothing', () => {
    const meta = {};
    expect(presentedValue({ credential: { kind: 'conduit_token', value: ours }, meta })).toBe(ours);
    expect(presentedValue({ credential: { kind: 'none' }, meta })).toBeNull();
  });
});
