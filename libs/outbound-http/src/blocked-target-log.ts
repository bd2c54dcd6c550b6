// Hosts whose requests the address policy refused, so each is logged once per process instead of once per attempt.
import { Logger } from '@nestjs/common';

/** Hosts remembered at most; past that the oldest is forgotten (and would be logged again). */
export const BLOCKED_HOSTS_REMEMBERED = 1_000;

export class BlockedTargetLog {
  private readonly logged = new Set<string>();

  constructor(
    private readonly warn: (message: string) => void,
    private readonly capacity = BLOCKED_HOSTS_REMEMBERED,
  ) {}

  /** Logs `message` unless this host was logged already. */
  note(hostname: string, message: string): void {
    const host = hostname.toLowerCase();
    if (this.logged.has(host)) return;
    // A Set keeps insertion order: the first value is the oldest.
    if (this.logged.size >= this.capacity) this.logged.delete(this.logged.values().next().value as string);
    this.logged.add(host);
    this.warn(`${message} (logged once per host)`);
  }
}

const logger = new Logger('OutboundHttp');
const processLog = new BlockedTargetLog((message) => logger.warn(message));

/** The default of OutboundHttpOptions.warnBlocked: one log line per refused host for the whole process. */
export function warnOncePerHost(hostname: string, message: string): void {
  processLog.note(hostname, message);
}
