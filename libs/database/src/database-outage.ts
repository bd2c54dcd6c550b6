// When PostgreSQL is away, which failure starts the outage and which success ends it: the two moments worth a log line.

export interface EndedOutage {
  /** How long the database was away, from the first failure noticed to the first connection that succeeded. */
  durationMs: number;
  /** Failures noticed during it (connections refused or dropped, queries that lost their connection). */
  failures: number;
}

/** The state of one process's view of its database; pure, so the log's rules are tested without a database. */
export class DatabaseOutage {
  #since: number | null = null;
  #failures = 0;

  get away(): boolean {
    return this.#since !== null;
  }

  /** Records a failure that means the database is away; true when it starts an outage (the one to log). */
  failed(nowMs: number): boolean {
    this.#failures += 1;
    if (this.#since !== null) return false;
    this.#since = nowMs;
    this.#failures = 1;
    return true;
  }

  /** Records a connection that succeeded; the outage it ends, or null when there was none. */
  succeeded(nowMs: number): EndedOutage | null {
    if (this.#since === null) return null;
    const ended = { durationMs: Math.max(0, nowMs - this.#since), failures: this.#failures };
    this.#since = null;
    this.#failures = 0;
    return ended;
  }
}
