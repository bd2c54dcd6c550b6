import { InProcessSlidingWindow } from './in-process-sliding-window';

/** Takes count slots as fast as the window allows, from time 0; answers when each was taken. */
function drain(window: InProcessSlidingWindow, max: number, windowMs: number, count: number): number[] {
  const taken: number[] = [];
  let now = 0;
  while (taken.length < count) {
    const wait = window.take('k', max, windowMs, now);
    if (wait === 0) taken.push(now);
    else now += wait;
  }
  return taken;
}

describe('InProcessSlidingWindow', () => {
  it('takes max slots at once, then makes the next wait until the oldest has left the window', () => {
    const w = new InProcessSlidingWindow();
    for (let i = 0; i < 5; i++) expect(w.take('k', 5, 1000, 100 + i)).toBe(0);
    expect(w.take('k', 5, 1000, 500)).toBe(600);
    // Exactly one window after the oldest, it has left: (now - window, now] holds the other four.
    expect(w.take('k', 5, 1000, 1100)).toBe(0);
    expect(w.take('k', 5, 1000, 1100)).toBe(1);
  });

  it('never holds more than max in any window, unlike a fixed window at its boundary', () => {
    const taken = drain(new InProcessSlidingWindow(), 5, 1000, 40);
    for (let i = 0; i + 5 < taken.length; i++) expect(taken[i + 5] - taken[i]).toBeGreaterThanOrEqual(1000);
    // And wastes nothing: 40 slots at 5 a second take 7 s after the first.
    expect(taken[39]).toBe(7000);
  });

  it('keeps instances apart', () => {
    const w = new InProcessSlidingWindow();
    expect(w.take('a', 1, 1000, 0)).toBe(0);
    expect(w.take('b', 1, 1000, 0)).toBe(0);
    expect(w.take('a', 1, 1000, 10)).toBe(990);
  });

  it('waits for enough slots to leave when max was lowered', () => {
    const w = new InProcessSlidingWindow();
    for (let i = 0; i < 5; i++) expect(w.take('k', 5, 1000, i * 100)).toBe(0);
    // Two may be in the window: four must leave, the fourth (taken at 300) leaves at 1300.
    expect(w.take('k', 2, 1000, 450)).toBe(850);
  });

  it('counts slots recorded from Redis, so a fallback starts from what this process sent', () => {
    const w = new InProcessSlidingWindow();
    for (let i = 0; i < 3; i++) w.record('k', 1000, i);
    expect(w.take('k', 3, 1000, 10)).toBe(990);
  });

  it('forgets idle instances', () => {
    const w = new InProcessSlidingWindow();
    w.take('a', 1, 1000, 0);
    w.take('b', 1, 1000, 70_000);
    expect(w.size).toBe(1);
    w.take('b', 1, 1000, 140_000);
    expect(w.size).toBe(1);
  });
});
