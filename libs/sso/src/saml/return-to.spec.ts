import { describe, expect, it } from 'vitest';
import { allowedReturnTo, withCode } from './return-to';

describe('allowedReturnTo', () => {
  const base = 'https://conduit.example.com';
  const allowed = ['https://app.example.com'];

  it('takes paths on Conduit and URLs on its own or an allowed origin', () => {
    expect(allowedReturnTo('/docs', base, allowed)).toBe('https://conduit.example.com/docs');
    expect(allowedReturnTo('/api/v1/auth/saml/complete?x=1', base, allowed)).toBe(
      'https://conduit.example.com/api/v1/auth/saml/complete?x=1',
    );
    expect(allowedReturnTo('https://conduit.example.com/x', base, allowed)).toBe('https://conduit.example.com/x');
    expect(allowedReturnTo('https://app.example.com/sso/done', base, allowed)).toBe('https://app.example.com/sso/done');
  });

  it('refuses other origins and the tricks that reach them', () => {
    for (const bad of [
      'https://evil.example.net/',
      '//evil.example.net/x',
      '/\\evil.example.net',
      '\\\\evil.example.net',
      'https://conduit.example.com.evil.net/',
      'https://conduit.example.com@evil.net/',
      'https://user:pw@conduit.example.com/',
      'javascript:alert(1)',
      'data:text/html,hi',
      'http://conduit.example.com/', // another scheme is another origin
      '/\tevil',
      'docs',
      '',
    ]) {
      expect(allowedReturnTo(bad, base, allowed), bad).toBeNull();
    }
  });
});

describe('withCode', () => {
  it('adds the code to the query, keeping what is there', () => {
    expect(withCode('https://c.example/done?x=1', 'abc')).toBe('https://c.example/done?x=1&code=abc');
  });
});
