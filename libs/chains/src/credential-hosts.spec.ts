import { allowedHostFor, formatAllowedHost, hostAllowed, parseAllowedHost } from './credential-hosts';

/** The canonical form of an entry, or its problem. */
function canonical(raw: string): string {
  const parsed = parseAllowedHost(raw);
  return 'problem' in parsed ? `problem: ${parsed.problem}` : formatAllowedHost(parsed);
}

describe('allowed_hosts entries', () => {
  it('takes hosts, ports, wildcards and IP addresses in canonical form', () => {
    expect(canonical('api.example.com')).toBe('api.example.com');
    expect(canonical('API.Example.COM')).toBe('api.example.com');
    expect(canonical('api.example.com:8443')).toBe('api.example.com:8443');
    expect(canonical('*.Example.com')).toBe('*.example.com');
    expect(canonical('*.example.com:8443')).toBe('*.example.com:8443');
    expect(canonical('Bücher.example')).toBe('xn--bcher-kva.example');
    expect(canonical('*.bücher.example')).toBe('*.xn--bcher-kva.example');
    expect(canonical('localhost')).toBe('localhost');
    expect(canonical('127.0.0.1:4000')).toBe('127.0.0.1:4000');
    expect(canonical('[0:0::1]:8080')).toBe('[::1]:8080');
    expect(canonical('exa_mple.com')).toBe('exa_mple.com');
  });

  it('refuses what is not a host', () => {
    for (const raw of [
      '',
      '*',
      '*.',
      '*.com',
      '**.example.com',
      'a.*.example.com',
      '*example.com',
      'api.*',
      '*.127.0.0.1',
      '*.[::1]',
      'https://api.example.com',
      'api.example.com/path',
      'user@api.example.com',
      'api.example.com?x',
      'api example.com',
      '%61pi.example.com',
      'api.example.com.',
      'api.example.com:0',
      'api.example.com:65536',
      'api.example.com:',
      'api.example.com:http',
      '::1',
      '1.2.3.999',
      'a..b',
      '-a.example.com',
      'a-.example.com',
      `${'a'.repeat(64)}.example.com`,
      `${'abcdefghi.'.repeat(26)}com`,
    ]) {
      expect(canonical(raw), raw).toMatch(/^problem: /);
    }
  });
});

describe('hostAllowed', () => {
  it('matches exact hosts case-insensitively, on the default port unless one is given', () => {
    expect(hostAllowed(['api.example.com'], 'https://API.example.com/pay')).toBe(true);
    expect(hostAllowed(['api.example.com'], 'http://api.example.com/pay')).toBe(true);
    expect(hostAllowed(['api.example.com'], 'https://api.example.com:443/pay')).toBe(true);
    expect(hostAllowed(['api.example.com'], 'https://api.example.com:8443/pay')).toBe(false);
    expect(hostAllowed(['api.example.com:8443'], 'https://api.example.com:8443/pay')).toBe(true);
    expect(hostAllowed(['api.example.com:8443'], 'https://api.example.com/pay')).toBe(false);
    expect(hostAllowed(['api.example.com:443'], 'https://api.example.com/pay')).toBe(true);
    expect(hostAllowed(['api.example.com:443'], 'http://api.example.com/pay')).toBe(false);
    expect(hostAllowed(['api.example.com'], 'https://api.example.com./pay')).toBe(true);
    expect(hostAllowed(['api.example.com'], 'https://api.example.com.evil.test/pay')).toBe(false);
    expect(hostAllowed(['api.example.com'], 'https://evilapi.example.com/pay')).toBe(false);
    expect(hostAllowed(['xn--bcher-kva.example'], 'https://bücher.example/')).toBe(true);
    expect(hostAllowed(['127.0.0.1:4000'], 'http://127.0.0.1:4000/hook')).toBe(true);
    expect(hostAllowed(['127.0.0.1:4000'], 'http://127.0.0.1:4001/hook')).toBe(false);
    expect(hostAllowed(['[::1]:4000'], 'http://[0::1]:4000/hook')).toBe(true);
  });

  it('matches a wildcard one or more labels below its domain, never the domain itself', () => {
    expect(hostAllowed(['*.example.com'], 'https://a.example.com/')).toBe(true);
    expect(hostAllowed(['*.example.com'], 'https://a.b.example.com/')).toBe(true);
    expect(hostAllowed(['*.example.com'], 'https://example.com/')).toBe(false);
    expect(hostAllowed(['*.example.com'], 'https://aexample.com/')).toBe(false);
    expect(hostAllowed(['*.example.com'], 'https://a.example.com.evil.test/')).toBe(false);
    expect(hostAllowed(['*.example.com'], 'https://a.example.com:8443/')).toBe(false);
    expect(hostAllowed(['*.example.com:8443'], 'https://a.example.com:8443/')).toBe(true);
  });

  it('allows nothing with an empty list, an unparsable entry or a URL that is not http(s)', () => {
    expect(hostAllowed([], 'https://api.example.com/')).toBe(false);
    expect(hostAllowed(['*'], 'https://api.example.com/')).toBe(false);
    expect(hostAllowed(['api.example.com'], 'ftp://api.example.com/')).toBe(false);
    expect(hostAllowed(['api.example.com'], 'not a url')).toBe(false);
    expect(hostAllowed(['api.example.com'], 'https://user:pw@evil.test/?api.example.com')).toBe(false);
  });
});

describe('allowedHostFor (the migration backfill)', () => {
  it('names the host of a URL, with its port unless the default, in a form that matches it', () => {
    for (const [url, entry] of [
      ['https://API.psp.example/hook', 'api.psp.example'],
      ['https://api.psp.example:443/hook', 'api.psp.example'],
      ['http://api.psp.example:8080/hook', 'api.psp.example:8080'],
      ['http://127.0.0.1:4000/x', '127.0.0.1:4000'],
      ['https://bücher.example./x', 'xn--bcher-kva.example'],
      ['http://[::1]:9000/', '[::1]:9000'],
    ] as const) {
      expect(allowedHostFor(url), url).toBe(entry);
      expect(hostAllowed([entry], url), url).toBe(true);
    }
    expect(allowedHostFor('ftp://files.example/')).toBeNull();
    expect(allowedHostFor('not a url')).toBeNull();
  });
});
