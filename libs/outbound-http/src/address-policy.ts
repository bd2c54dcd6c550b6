// Classifies resolved IP addresses so the client can refuse SSRF targets before connecting.
import { isIPv4, isIPv6 } from 'node:net';

export type AddressCategory =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'cgnat'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'reserved'
  | 'invalid';

export interface AddressPolicy {
  allowLoopback: boolean;
  allowPrivateNetworks: boolean;
}

type Ipv4Range = readonly [base: string, prefix: number, category: AddressCategory];

// Order matters: the first matching range wins, so the narrow metadata entries come first.
const IPV4_RANGES: readonly Ipv4Range[] = [
  ['169.254.169.254', 32, 'metadata'], // AWS, GCP, Azure, OCI instance metadata
  ['100.100.100.200', 32, 'metadata'], // Alibaba Cloud instance metadata
  ['0.0.0.0', 8, 'unspecified'], // "this network"; 0.0.0.0 reaches local services on Linux
  ['127.0.0.0', 8, 'loopback'],
  ['10.0.0.0', 8, 'private'],
  ['172.16.0.0', 12, 'private'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'private'], // benchmarking, used inside labs and some clouds
  ['169.254.0.0', 16, 'link_local'],
  ['100.64.0.0', 10, 'cgnat'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'], // includes 255.255.255.255
];

const AWS_IPV6_METADATA = ipv6ToBigInt('fd00:ec2::254');

export function classifyAddress(address: string): AddressCategory {
  const ip = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIPv4(ip)) return classifyIpv4(ipv4ToNumber(ip));
  if (isIPv6(ip)) return classifyIpv6(ipv6ToBigInt(ip));
  return 'invalid';
}

export function isAddressAllowed(category: AddressCategory, policy: AddressPolicy): boolean {
  if (category === 'public') return true;
  const opensIt = switchFor(category);
  return opensIt !== null && policy[opensIt];
}

/** The deployment settings behind each switch of the policy, named in refusals so an operator knows what to set. */
export const ADDRESS_POLICY_SETTINGS = {
  allowLoopback: 'OUTBOUND_ALLOW_LOOPBACK',
  allowPrivateNetworks: 'OUTBOUND_ALLOW_PRIVATE_NETWORKS',
} as const satisfies Record<keyof AddressPolicy, string>;

export type AddressPolicySetting = (typeof ADDRESS_POLICY_SETTINGS)[keyof AddressPolicy];

/** Why the policy refuses a host: what it is, and the setting that would allow it (null: nothing does). */
export interface AddressRefusal {
  /** The address (or localhost name) refused. */
  host: string;
  category: AddressCategory;
  setting: AddressPolicySetting | null;
}

/** The refusal of an address under the policy, or null when the policy allows it. */
export function addressRefusal(
  host: string,
  policy: AddressPolicy,
  category: AddressCategory = classifyAddress(host),
): AddressRefusal | null {
  if (isAddressAllowed(category, policy)) return null;
  const opensIt = switchFor(category);
  return { host, category, setting: opensIt === null ? null : ADDRESS_POLICY_SETTINGS[opensIt] };
}

/**
 * The category of a URL's host when it is known without DNS: an IP literal, or a localhost name (RFC 6761: always the
 * loopback address, whatever a resolver is asked). Null for any other name, which only resolving can judge.
 */
export function literalHostCategory(hostname: string): AddressCategory | null {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback';
  const category = classifyAddress(host);
  return category === 'invalid' ? null : category;
}

/**
 * The refusal of a target URL whose host is a literal address (or a localhost name) the policy refuses; null when it
 * is allowed, is a name to be resolved when sending, or is not an http(s) URL (other checks answer that).
 */
export function literalTargetRefusal(url: string, policy: AddressPolicy): AddressRefusal | null {
  if (!URL.canParse(url)) return null;
  const hostname = new URL(url).hostname;
  const category = literalHostCategory(hostname);
  return category === null ? null : addressRefusal(hostname.replace(/^\[|\]$/g, ''), policy, category);
}

/**
 * One sentence for logs and error messages: what the host is and what, if anything, would allow it. `hostname`: the
 * name that resolved to the refused address, when the target was not the address itself.
 */
export function describeRefusal(refusal: AddressRefusal, hostname: string = refusal.host): string {
  const what =
    hostname === refusal.host
      ? `${refusal.host} is ${CATEGORY_NAMES[refusal.category]}`
      : `${hostname} resolves to ${refusal.host}, ${CATEGORY_NAMES[refusal.category]}`;
  if (refusal.setting === null) return `${what}, which is always refused`;
  return `${what}, refused unless ${refusal.setting}=true is set`;
}

const CATEGORY_NAMES: Record<AddressCategory, string> = {
  public: 'a public address',
  loopback: 'a loopback address',
  private: 'a private network address',
  link_local: 'a link-local address',
  cgnat: 'a shared (carrier-grade NAT) address',
  metadata: 'a cloud metadata address',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  reserved: 'a reserved address',
  invalid: 'not a valid address',
};

/** The switch of the policy that opens a category; null for those no switch opens (and for public, always open). */
function switchFor(category: AddressCategory): keyof AddressPolicy | null {
  switch (category) {
    case 'loopback':
      return 'allowLoopback';
    case 'private':
    case 'link_local':
    case 'cgnat':
      return 'allowPrivateNetworks';
    case 'public':
    case 'metadata':
    case 'unspecified':
    case 'multicast':
    case 'reserved':
    case 'invalid':
      return null;
  }
}

function classifyIpv4(value: number): AddressCategory {
  for (const [base, prefix, category] of IPV4_RANGES) {
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
    if ((value & mask) >>> 0 === (ipv4ToNumber(base) & mask) >>> 0) return category;
  }
  return 'public';
}

function classifyIpv6(value: bigint): AddressCategory {
  const inPrefix = (base: string, prefix: number): boolean =>
    value >> BigInt(128 - prefix) === ipv6ToBigInt(base) >> BigInt(128 - prefix);
  const low32 = Number(value & 0xffffffffn);

  if (value === 0n) return 'unspecified';
  if (value === 1n) return 'loopback';
  if (value === AWS_IPV6_METADATA) return 'metadata';
  // Addresses that embed an IPv4 address are judged by that address, so ::ffff:127.0.0.1 is loopback.
  if (inPrefix('::ffff:0:0', 96)) return classifyIpv4(low32); // IPv4-mapped
  if (inPrefix('64:ff9b::', 96)) return classifyIpv4(low32); // NAT64 well-known prefix
  if (inPrefix('2002::', 16)) return classifyIpv4(Number((value >> 80n) & 0xffffffffn)); // 6to4
  if (inPrefix('::', 96)) return 'reserved'; // deprecated IPv4-compatible
  if (inPrefix('64:ff9b:1::', 48)) return 'private'; // local-use NAT64
  if (inPrefix('fe80::', 10)) return 'link_local';
  if (inPrefix('fec0::', 10)) return 'private'; // deprecated site-local
  if (inPrefix('fc00::', 7)) return 'private'; // unique local
  if (inPrefix('ff00::', 8)) return 'multicast';
  if (inPrefix('100::', 64)) return 'reserved'; // discard-only
  if (inPrefix('2001:db8::', 32)) return 'reserved'; // documentation
  return 'public';
}

function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((acc, octet) => ((acc << 8) | Number(octet)) >>> 0, 0);
}

function ipv6ToBigInt(ip: string): bigint {
  let text = ip;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const v4 = ipv4ToNumber(dotted[1]);
    text = `${text.slice(0, dotted.index)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const missing = 8 - headGroups.length - tailGroups.length;
  const groups = tail === undefined ? headGroups : [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups];
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}
