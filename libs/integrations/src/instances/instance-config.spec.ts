import { describe, expect, it } from 'vitest';
import type { FieldDefinition } from '../fields';
import { baseUrlProblem, hostOf, mergeValues, resolveAuth, secretsNotResent, splitValues } from './instance-config';

const fields = (r: { problems: { field: string }[] }) => r.problems.map((p) => p.field);

describe('baseUrlProblem', () => {
  it.each([
    ['https://a.example.com', null],
    ['http://10.0.0.1:8080/api', null],
    ['ftp://a.example.com', 'must be an http or https URL'],
    ['https://u:p@a.example.com', 'must not hold credentials (send them in auth)'],
    ['nope', 'not a URL'],
  ])('%s → %s', (url, problem) => expect(baseUrlProblem(url)).toBe(problem));
});

describe('hostOf', () => {
  it('keeps the port and ignores path and case', () => {
    expect(hostOf('https://A.example.com:8443/x')).toBe('a.example.com:8443');
    expect(hostOf('https://a.example.com/y')).not.toBe(hostOf('https://a.example.com:8443/y'));
  });
});

describe('resolveAuth', () => {
  it('requires each type’s credentials and settings, naming them', () => {
    expect(fields(resolveAuth({ type: 'basic', username: 'u' }, null))).toEqual(['auth.password']);
    expect(fields(resolveAuth({ type: 'bearer' }, null))).toEqual(['auth.token']);
    expect(fields(resolveAuth({ type: 'api_key', key: 'k' }, null))).toEqual(['auth.header']);
    expect(fields(resolveAuth({ type: 'api_key', key: 'k', header: 'a', query: 'b' }, null))).toEqual(['auth.header']);
    expect(
      fields(resolveAuth({ type: 'oauth2_client_credentials', client_id: 'i', client_secret: 's' }, null)),
    ).toEqual(['auth.token_url']);
    expect(fields(resolveAuth({ type: 'none', token: 't' }, null))).toEqual(['auth.token']);
    expect(resolveAuth({ type: 'api_key', key: 'k', query: 'api_key' }, null)).toEqual({
      auth: { type: 'api_key', settings: { query: 'api_key' }, credentials: { key: 'k' } },
      problems: [],
    });
  });

  it('keeps what is not sent for the same type, and starts afresh for another', () => {
    const current = { type: 'basic' as const, settings: {}, credentials: { username: 'u', password: 'p' } };
    expect(resolveAuth({ username: 'v' }, current).auth.credentials).toEqual({ username: 'v', password: 'p' });
    expect(resolveAuth(undefined, current).auth).toBe(current);
    expect(fields(resolveAuth({ type: 'bearer' }, current))).toEqual(['auth.token']);
    const key = { type: 'api_key' as const, settings: { header: 'X-Key' }, credentials: { key: 'k' } };
    expect(resolveAuth({ query: 'k' }, key).auth.settings).toEqual({ query: 'k' });
  });
});

describe('values', () => {
  const defs: FieldDefinition[] = [
    { name: 'a', label: 'A', type: 'text', required: false },
    { name: 's', label: 'S', type: 'secret', required: false },
  ];
  it('splits secret values from the others and merges a PATCH (null removes)', () => {
    expect(splitValues(defs, { a: 'x', s: 'y' })).toEqual({ plain: { a: 'x' }, secret: { s: 'y' } });
    expect(mergeValues({ a: 'x', s: 'y' }, { a: null, b: 1 })).toEqual({ s: 'y', b: 1 });
  });
  it('names the secrets a move to another host did not re-send', () => {
    const secrets = { fields: { s: 'y' }, credentials: { username: 'u', password: 'p' } };
    expect(secretsNotResent(secrets, undefined, { password: 'p' })).toEqual(['fields.s', 'auth.username']);
    expect(secretsNotResent(secrets, { s: 'z' }, { username: 'u', password: 'p' })).toEqual([]);
  });
});
