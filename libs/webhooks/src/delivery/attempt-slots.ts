// A counting semaphore: at most `size` delivery attempts in flight in this process, however many deliveries the
// running jobs carry between them.
export class AttemptSlots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter; only when nobody waits does it become free.
      if (next) next();
      else this.free += 1;
    }
  }
}
