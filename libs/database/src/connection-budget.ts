// The process-wide bound on connections to dedicated databases (DEDICATED_MAX_CONNECTIONS): each new connection of a
// dedicated pool takes a slot before it connects and gives it back when it ends. With none free, the caller asks for an
// idle connection to be closed (the least recently used pool's, TenantDatabases) and waits, first come first served,
// for a slot to be given back; so the open connections stay bounded however many dedicated tenants there are.

export class ConnectionBudgetTimeoutError extends Error {
  constructor(max: number) {
    super(`timeout waiting for one of the ${max} connections to dedicated databases (DEDICATED_MAX_CONNECTIONS)`);
  }
}

export class ConnectionBudget {
  #used = 0;
  readonly #waiters: { grant: () => void }[] = [];

  /** evict: closes one idle connection somewhere (its end gives its slot back); false when none is idle. */
  constructor(
    readonly max: number,
    private readonly evict: () => boolean,
  ) {}

  /** Slots taken: connections open or being opened. */
  get used(): number {
    return this.#used;
  }

  /** Connections waiting for a slot. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * A slot, as the function that gives it back (once, however many times it is called). Waits at most timeoutMs
   * (0: no limit) and then fails with ConnectionBudgetTimeoutError.
   */
  acquire(timeoutMs: number): Promise<() => void> {
    if (this.#used < this.max) {
      this.#used += 1;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = {
        grant: () => {
          clearTimeout(timer);
          resolve(this.releaser());
        },
      };
      this.#waiters.push(waiter);
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          const at = this.#waiters.indexOf(waiter);
          if (at >= 0) this.#waiters.splice(at, 1);
          reject(new ConnectionBudgetTimeoutError(this.max));
        }, timeoutMs);
        timer.unref();
      }
      this.makeRoom();
    });
  }

  /**
   * Closes one idle connection when someone waits (called as each waiter arrives, and whenever a connection goes back
   * idle): its end gives its slot to the first waiter.
   */
  makeRoom(): void {
    if (this.#waiters.length > 0) this.evict();
  }

  private releaser(): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.#waiters.shift();
      if (next) next.grant();
      else this.#used -= 1;
    };
  }
}
