// One dedicated database's health as one process sees it (docs/dedicated-tenants.md, "A database that is down"): its
// connection_status and the backoff of its reconnection. Pure (times are given), so the rules are tested without a
// database: the first failure is `error` and backs off 1 s, each failure after a backoff ran out doubles it (to 60 s at
// most) and the third in a row is `disconnected`; a connection that succeeds is `connected` again and ends the backoff.

export type ConnectionStatus = 'connected' | 'disconnected' | 'error';

export const BACKOFF_FIRST_MS = 1_000;
export const BACKOFF_MAX_MS = 60_000;
/** Failures in a row (each after the backoff of the one before ran out) that make a database `disconnected`. */
export const DISCONNECTED_AFTER = 3;

export class TenantDatabaseHealth {
  #status: ConnectionStatus | undefined;
  #failures = 0;
  #until = 0;
  #errors = 0;

  /** undefined until this process has connected or failed to. */
  get status(): ConnectionStatus | undefined {
    return this.#status;
  }

  /** Failures noticed (every one, those during a backoff included): the errors counter. */
  get errors(): number {
    return this.#errors;
  }

  /**
   * Records a failure (a connect refused, a connection dropped); true when it changed the status. The failures of
   * connections already under way when the backoff began (a restart drops all of a pool's at once) count as errors but
   * do not lengthen the backoff: only a failure after the backoff ran out does.
   */
  failed(nowMs: number): boolean {
    this.#errors += 1;
    if (this.#failures > 0 && nowMs < this.#until) return false;
    this.#failures += 1;
    this.#until = nowMs + Math.min(BACKOFF_FIRST_MS * 2 ** (this.#failures - 1), BACKOFF_MAX_MS);
    return this.set(this.#failures >= DISCONNECTED_AFTER ? 'disconnected' : 'error');
  }

  /** Records a connection that succeeded; true when it changed the status. */
  succeeded(): boolean {
    this.#failures = 0;
    this.#until = 0;
    return this.set('connected');
  }

  /** Milliseconds of backoff left: while > 0 the tenant's calls fail at once without trying to connect. */
  backoffRemainingMs(nowMs: number): number {
    return this.#failures > 0 ? Math.max(0, this.#until - nowMs) : 0;
  }

  /**
   * Another process connected (it wrote `connected`): the backoff ends now, so the next probe tries at once instead of
   * after up to 60 s. A failure then doubles the backoff as any other.
   */
  endBackoff(nowMs: number): void {
    if (this.#failures > 0) this.#until = Math.min(this.#until, nowMs);
  }

  /** Whether the database failed and its backoff ran out: the health probe's turn to try it (one SELECT 1). */
  probeDue(nowMs: number): boolean {
    return this.#failures > 0 && nowMs >= this.#until;
  }

  private set(status: ConnectionStatus): boolean {
    const changed = status !== this.#status;
    this.#status = status;
    return changed;
  }
}
