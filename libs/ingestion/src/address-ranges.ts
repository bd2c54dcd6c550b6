// A source's allowed_cidrs, parsed strictly before PostgreSQL sees them: its cidr type refused some values (a 500)
// and silently widened others ("10" became 10.0.0.0/8). Host bits beyond the prefix are refused, not masked: a
// range such as 10.0.0.1/8 is usually a typo for a single address, and widening it would let more senders in.
import { isIP } from 'node:net';

const MAX_RANGE_LENGTH = 64;
const PREFIX = /^(0|[1-9]\d{0,2})$/;

export interface AddressRange {
  family: 4 | 6;
  /** the address's bytes: 4 or 16 */
  bytes: number[];
  prefix: number;
}

/** An IPv4 or IPv6 address with an optional /prefix (a bare address is that one address), or why it is not one. */
export function parseAddressRange(text: string): AddressRange | { problem: string } {
  if (text.length > MAX_RANGE_LENGTH) return { problem: `is longer than ${MAX_RANGE_LENGTH} characters` };
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  // Zone ids (fe80::1%eth0) name an interface of one host; they are no range and PostgreSQL cannot store them.
  const family = address.includes('%') ? 0 : isIP(address);
  if (family !== 4 && family !== 6)
    return { problem: 'is not an IPv4 or IPv6 address (such as 203.0.113.0/24 or 2001:db8::/32)' };
  const maxPrefix = family === 4 ? 32 : 128;
  const prefixText = slash < 0 ? String(maxPrefix) : text.slice(slash + 1);
  if (!PREFIX.test(prefixText) || Number(prefixText) > maxPrefix) {
    return { problem: `has a prefix length that is not a whole number from 0 to ${maxPrefix}` };
  }
  const range: AddressRange = {
    family,
    bytes: family === 4 ? ipv4Bytes(address) : ipv6Bytes(address),
    prefix: Number(prefixText),
  };
  const network = networkOf(range);
  if (network.bytes.some((byte, i) => byte !== range.bytes[i])) {
    const fix = `write the network, ${formatAddressRange(network)}, or the single address without a prefix`;
    return { problem: `has address bits set beyond the /${range.prefix} prefix; ${fix}` };
  }
  return range;
}

/** The first entry that is not a valid range, as a message naming it; null when all are valid. */
export function addressRangesProblem(ranges: readonly string[], field = 'allowed_cidrs'): string | null {
  for (let i = 0; i < ranges.length; i++) {
    const parsed = parseAddressRange(ranges[i]);
    if ('problem' in parsed) return `${field}[${i}] "${ranges[i]}" ${parsed.problem}`;
  }
  return null;
}

export function formatAddressRange({ family, bytes, prefix }: AddressRange): string {
  if (family === 4) return `${bytes.join('.')}/${prefix}`;
  const groups = Array.from({ length: 8 }, (_, i) => (bytes[2 * i] << 8) | bytes[2 * i + 1]);
  // RFC 5952: the longest run of two or more zero groups (the first of equal ones) becomes ::.
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = (from: number, to: number) =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(':');
  const text = best.start < 0 ? hex(0, 8) : `${hex(0, best.start)}::${hex(best.start + best.length, 8)}`;
  return `${text}/${prefix}`;
}

function networkOf(range: AddressRange): AddressRange {
  const bytes = range.bytes.map((byte, i) => {
    const kept = Math.min(8, Math.max(0, range.prefix - i * 8));
    return byte & ((0xff << (8 - kept)) & 0xff);
  });
  return { ...range, bytes };
}

function ipv4Bytes(address: string): number[] {
  return address.split('.').map(Number);
}

/**
 * 16 bytes of an address isIP() accepted as IPv6 (so the syntax is known good: one :: at most, an IPv4 tail allowed).
 */
function ipv6Bytes(address: string): number[] {
  const groupsOf = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').flatMap((group) => {
      if (!group.includes('.')) return [parseInt(group, 16)];
      const [a, b, c, d] = ipv4Bytes(group);
      return [(a << 8) | b, (c << 8) | d];
    });
  };
  const [head, tail] = address.split('::');
  const front = groupsOf(head);
  const back = tail === undefined ? [] : groupsOf(tail);
  const groups = [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}
