import { BlockList } from 'node:net';
import { addressRangesProblem, formatAddressRange, parseAddressRange } from './address-ranges';

const parsed = (text: string) => {
  const range = parseAddressRange(text);
  if ('problem' in range) throw new Error(`${text}: ${range.problem}`);
  return range;
};
const problem = (text: string) => {
  const range = parseAddressRange(text);
  return 'problem' in range ? range.problem : null;
};

describe('parseAddressRange', () => {
  it.each([
    ['203.0.113.0/24', '203.0.113.0/24'],
    ['192.0.2.7', '192.0.2.7/32'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['255.255.255.255/32', '255.255.255.255/32'],
    ['2001:DB8::/32', '2001:db8::/32'],
    ['::1', '::1/128'],
    ['::/0', '::/0'],
    ['fe80::/10', 'fe80::/10'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8/128'],
    ['1:0:0:2:0:0:0:3/128', '1:0:0:2::3/128'],
    ['::ffff:198.51.100.0/120', '::ffff:c633:6400/120'],
    ['2001:db8:0:0:1::/80', '2001:db8:0:0:1::/80'],
  ])('accepts %s (%s)', (text, formatted) => {
    expect(formatAddressRange(parsed(text))).toBe(formatted);
  });

  it.each([
    ['999.1.1.1/24', /not an IPv4 or IPv6 address/],
    ['abc', /not an IPv4 or IPv6 address/],
    [':::::', /not an IPv4 or IPv6 address/],
    ['1.2.3.4.5', /not an IPv4 or IPv6 address/],
    ['10', /not an IPv4 or IPv6 address/],
    ['1.2.3', /not an IPv4 or IPv6 address/],
    ['01.2.3.4', /not an IPv4 or IPv6 address/],
    [' 1.2.3.4', /not an IPv4 or IPv6 address/],
    ['fe80::1%eth0', /not an IPv4 or IPv6 address/],
    ['', /not an IPv4 or IPv6 address/],
    ['1.2.3.4/33', /0 to 32/],
    ['1.2.3.4/99', /0 to 32/],
    ['::1/200', /0 to 128/],
    ['::1/129', /0 to 128/],
    ['1.2.3.4/', /0 to 32/],
    ['1.2.3.0/024', /0 to 32/],
    ['1.2.3.0/-1', /0 to 32/],
    ['1.2.3.0/2 4', /0 to 32/],
    ['1.2.3.0/24/24', /0 to 32/],
    [`${'1'.repeat(70)}`, /longer than 64/],
  ])('refuses %j', (text, message) => {
    expect(problem(text)).toMatch(message);
  });

  it.each([
    ['10.0.0.1/8', '10.0.0.0/8'],
    ['192.168.1.1/16', '192.168.0.0/16'],
    ['203.0.113.129/25', '203.0.113.128/25'],
    ['1.2.3.4/0', '0.0.0.0/0'],
    ['2001:db8::1/32', '2001:db8::/32'],
    ['2001:db8:ffff::/33', '2001:db8:8000::/33'],
  ])('refuses %s (host bits set) and names the network %s', (text, network) => {
    expect(problem(text)).toBe(
      `has address bits set beyond the /${text.split('/')[1]} prefix; write the network, ${network}, or the single address without a prefix`,
    );
  });

  it('agrees with node:net BlockList on what an accepted range contains', () => {
    const range = parsed('2001:db8:8000::/33');
    const list = new BlockList();
    list.addSubnet('2001:db8:8000::', range.prefix, 'ipv6');
    expect(list.check('2001:db8:ffff::1', 'ipv6')).toBe(true);
    expect(list.check('2001:db8:7fff::1', 'ipv6')).toBe(false);
  });
});

describe('addressRangesProblem', () => {
  it('names the first bad entry by its index', () => {
    expect(addressRangesProblem(['203.0.113.0/24', '::1', 'nope', '10'])).toBe(
      'allowed_cidrs[2] "nope" is not an IPv4 or IPv6 address (such as 203.0.113.0/24 or 2001:db8::/32)',
    );
    expect(addressRangesProblem(['203.0.113.0/24', '::1'])).toBeNull();
    expect(addressRangesProblem([])).toBeNull();
  });
});
