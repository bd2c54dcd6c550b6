import {
  AddressCategory,
  addressRefusal,
  classifyAddress,
  describeRefusal,
  isAddressAllowed,
  literalHostCategory,
  literalTargetRefusal,
} from './address-policy';

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

describe('refusals of literal targets', () => {
  const closed = { allowLoopback: false, allowPrivateNetworks: false };
  const open = { allowLoopback: true, allowPrivateNetworks: true };

  it('knows IP literals and localhost names without DNS, and leaves other names to resolving', () => {
    expect(literalHostCategory('127.0.0.1')).toBe('loopback');
    expect(literalHostCategory('[::1]')).toBe('loopback');
    expect(literalHostCategory('localhost')).toBe('loopback');
    expect(literalHostCategory('LOCALHOST.')).toBe('loopback');
    expect(literalHostCategory('api.localhost')).toBe('loopback');
    expect(literalHostCategory('10.1.2.3')).toBe('private');
    expect(literalHostCategory('example.com')).toBeNull();
    expect(literalHostCategory('localhost.example.com')).toBeNull();
  });

  it('names the setting that would allow a target, or says none does', () => {
    const cases: [string, string | null][] = [
      // WHATWG URL parsing normalises other IPv4 spellings first (0x7f.1, 2130706433).
      ['http://0x7f.1:4000/hook', 'OUTBOUND_ALLOW_LOOPBACK'],
      ['http://2130706433/', 'OUTBOUND_ALLOW_LOOPBACK'],
      ['http://[::1]:8080/', 'OUTBOUND_ALLOW_LOOPBACK'],
      ['http://localhost:3000/', 'OUTBOUND_ALLOW_LOOPBACK'],
      ['https://192.168.1.20/in', 'OUTBOUND_ALLOW_PRIVATE_NETWORKS'],
      ['https://169.254.10.1/', 'OUTBOUND_ALLOW_PRIVATE_NETWORKS'],
      ['https://[fd12::1]/', 'OUTBOUND_ALLOW_PRIVATE_NETWORKS'],
      ['http://169.254.169.254/latest/meta-data/', null],
      ['http://[::ffff:169.254.169.254]/', null],
      ['http://0.0.0.0:3000/', null],
    ];
    for (const [url, setting] of cases) {
      const refusal = literalTargetRefusal(url, closed);
      expect({ url, refused: refusal !== null, setting: refusal?.setting }).toEqual({ url, refused: true, setting });
    }
  });

  it('refuses nothing the policy allows, nor names it must resolve', () => {
    expect(literalTargetRefusal('http://127.0.0.1:4000/', open)).toBeNull();
    expect(literalTargetRefusal('http://10.0.0.1/', open)).toBeNull();
    expect(literalTargetRefusal('https://8.8.8.8/', closed)).toBeNull();
    expect(literalTargetRefusal('https://hooks.example.com/', closed)).toBeNull();
    expect(literalTargetRefusal('not a url', closed)).toBeNull();
    expect(literalTargetRefusal('http://169.254.169.254/', open)).not.toBeNull();
  });

  it('describes a refusal in one sentence', () => {
    expect(describeRefusal(addressRefusal('127.0.0.1', closed)!)).toBe(
      '127.0.0.1 is a loopback address, refused unless OUTBOUND_ALLOW_LOOPBACK=true is set',
    );
    expect(describeRefusal(addressRefusal('10.0.0.7', closed)!)).toBe(
      '10.0.0.7 is a private network address, refused unless OUTBOUND_ALLOW_PRIVATE_NETWORKS=true is set',
    );
    expect(describeRefusal(addressRefusal('169.254.169.254', open)!)).toBe(
      '169.254.169.254 is a cloud metadata address, which is always refused',
    );
  });
});
