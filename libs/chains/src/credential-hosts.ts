// Where a chain credential may be sent: its allowed_hosts, each an exact host (optionally with a port) or a wildcard
// `*.example.com`, checked against a step's target URL before the value is ever filled in.
import { isIPv4 } from 'node:net';

/** An allowed_hosts entry, parsed: `host` is lower-case ASCII (IDNs in punycode), IPv6 in brackets. */
export interface AllowedHost {
  /** `*.host`: any name one or more labels below host, never host itself. */
  wildcard: boolean;
  host: string;
  /** null: only the target scheme's default port (80 for http, 443 for https). */
  port: number | null;
}

export const MAX_ALLOWED_HOSTS = 100;
const MAX_ENTRY_LENGTH = 260;
const MAX_NAME_LENGTH = 253;
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
const DEFAULT_PORTS: Readonly<Record<string, number>> = { 'http:': 80, 'https:': 443 };

/** The entry parsed, or why it is not one (a sentence for the 400's detail). */
export function parseAllowedHost(raw: string): AllowedHost | { problem: string } {
  if (raw.length === 0) return { problem: 'must not be empty' };
  if (raw.length > MAX_ENTRY_LENGTH) return { problem: `must be at most ${MAX_ENTRY_LENGTH} characters` };
  // A URL, user info, an encoded or spaced name: the entry is a host, nothing around it.
  if (/[\s/\\@?#%]/.test(raw)) return { problem: 'must be a host name (optionally :port), not a URL' };
  const wildcard = raw.startsWith('*.');
  const rest = wildcard ? raw.slice(2) : raw;
  if (raw === '*' || rest.includes('*'))
    return { problem: 'a wildcard must be the whole first label of a domain, as in *.example.com' };
  const split = /^(\[[^\]]*\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(rest);
  if (!split) return { problem: 'must be host or host:port (IPv6 addresses in brackets)' };
  const [, hostPart, portPart] = split as unknown as [string, string, string | undefined];
  let port: number | null = null;
  if (portPart !== undefined) {
    port = Number(portPart);
    if (port < 1 || port > 65535) return { problem: 'the port must be between 1 and 65535' };
  }
  let host: string;
  try {
    // The URL parser's host: lower-case, IDNA to punycode, IPv4 and IPv6 in their canonical forms, as target URLs are.
    host = new URL(`http://${hostPart}`).hostname;
  } catch {
    return { problem: 'is not a valid host name or IP address' };
  }
  const ip = host.startsWith('[') || isIPv4(host);
  if (ip) {
    if (wildcard) return { problem: 'a wildcard covers domain names, not IP addresses' };
    return { wildcard, host, port };
  }
  if (host.endsWith('.')) return { problem: 'must not end with a dot' };
  const labels = host.split('.');
  if (host.length > MAX_NAME_LENGTH || !labels.every((l) => LABEL.test(l)))
    return {
      problem: 'is not a valid host name (labels of letters, digits, - and _, each 1 to 63 characters, 253 in all)',
    };
  if (wildcard && labels.length < 2)
    return { problem: 'a wildcard needs at least two labels after it (*.example.com, not *.com)' };
  return { wildcard, host, port };
}

/** The entry as stored and shown: `*.` when a wildcard, the canonical host, `:port` when one was given. */
export function formatAllowedHost(entry: AllowedHost): string {
  return `${entry.wildcard ? '*.' : ''}${entry.host}${entry.port === null ? '' : `:${entry.port}`}`;
}

/** Where a request goes, as allowed_hosts see it; null for a URL that is not http(s). */
export interface TargetHost {
  host: string;
  port: number;
  defaultPort: boolean;
}

export function targetHost(url: string): TargetHost | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const defaultPort = DEFAULT_PORTS[parsed.protocol];
  if (defaultPort === undefined) return null;
  // `example.com.` is the same name as `example.com`.
  const host = parsed.hostname.endsWith('.') ? parsed.hostname.slice(0, -1) : parsed.hostname;
  const port = parsed.port === '' ? defaultPort : Number(parsed.port);
  return { host, port, defaultPort: port === defaultPort };
}

/** Whether one entry covers the target: same port (or none given and the default one), then host or wildcard. */
export function allowedHostMatches(entry: AllowedHost, target: TargetHost): boolean {
  if (entry.port === null ? !target.defaultPort : entry.port !== target.port) return false;
  return entry.wildcard ? target.host.endsWith(`.${entry.host}`) : target.host === entry.host;
}

/** Whether a credential with these allowed_hosts may be sent to this URL. An empty list allows nothing. */
export function hostAllowed(allowedHosts: readonly string[], url: string): boolean {
  const target = targetHost(url);
  if (!target) return false;
  return allowedHosts.some((raw) => {
    const entry = parseAllowedHost(raw);
    return !('problem' in entry) && allowedHostMatches(entry, target);
  });
}

/** The host (and port unless the default) a URL is sent to, for error messages. */
export function describeTarget(url: string): string {
  const target = targetHost(url);
  if (!target) return 'a URL that is not http(s)';
  return target.defaultPort ? target.host : `${target.host}:${target.port}`;
}

/** The entry that allows this URL's host (and its port unless the default), or null when none can. */
export function allowedHostFor(url: string): string | null {
  const target = targetHost(url);
  if (!target) return null;
  const parsed = parseAllowedHost(target.defaultPort ? target.host : `${target.host}:${target.port}`);
  return 'problem' in parsed ? null : formatAllowedHost(parsed);
}
