import { AddressCategory, classifyAddress, isAddressAllowed } from './address-policy';

describe('classifyAddress', () => {
  const table: Array<[string, AddressCategory]> = [
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'metadata'],
    ['169.254.1.1', 'link_local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.128.0.1', 'public'],
    ['100.100.100.200', 'metadata'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['2606:4700:4700::1111', 'public'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fd00:ec2::254', 'metadata'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['febf::1', 'link_local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::a9fe:a9fe', 'metadata'],
    ['64:ff9b::808:808', 'public'],
    ['2002:7f00:1::', 'loopback'],
    ['::127.0.0.1', 'reserved'],
    ['localhost', 'invalid'],
    ['999.1.1.1', 'invalid'],
  ];

  it.each(table)('%s is %s', (address, category) => {
    expect(classifyAddress(address)).toBe(category);
  });
});

describe('isAddressAllowed', () => {
  const closed = { allowLoopback: false, allowPrivateNetworks: false };
  const open = { allowLoopback: true, allowPrivateNetworks: true };

  it('allows only public addresses by default', () => {
    expect(isAddressAllowed('public', closed)).toBe(true);
    for (const category of ['loopback', 'private', 'link_local', 'cgnat'] as const) {
      expect(isAddressAllowed(category, closed)).toBe(false);
    }
  });

  it('opens loopback and private ranges only through their own switch', () => {
    expect(isAddressAllowed('loopback', { allowLoopback: true, allowPrivateNetworks: false })).toBe(true);
    expect(isAddressAllowed('private', { allowLoopback: true, allowPrivateNetworks: false })).toBe(false);
    expect(isAddressAllowed('loopback', { allowLoopback: false, allowPrivateNetworks: true })).toBe(false);
    for (const category of ['private', 'link_local', 'cgnat'] as const) {
      expect(isAddressAllowed(category, { allowLoopback: false, allowPrivateNetworks: true })).toBe(true);
    }
  });

  it('never allows metadata, unspecified, multicast, reserved or invalid addresses', () => {
    for (const category of ['metadata', 'unspecified', 'multicast', 'reserved', 'invalid'] as const) {
      expect(isAddressAllowed(category, open)).toBe(false);
    }
  });
});
