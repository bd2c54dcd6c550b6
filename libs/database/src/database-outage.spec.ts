import { describe, expect, it } from 'vitest';
import { DatabaseOutage } from './database-outage';

describe('DatabaseOutage', () => {
  it('starts an outage on the first failure only, however many follow', () => {
    const outage = new DatabaseOutage();
    expect(outage.away).toBe(false);
    expect(outage.failed(1000)).toBe(true);
    expect(outage.failed(1100)).toBe(false);
    expect(outage.failed(1200)).toBe(false);
    expect(outage.away).toBe(true);
  });

  it('ends it on the first success, with its length and the failures seen', () => {
    const outage = new DatabaseOutage();
    outage.failed(1000);
    outage.failed(1500);
    expect(outage.succeeded(3000)).toEqual({ durationMs: 2000, failures: 2 });
    expect(outage.away).toBe(false);
    expect(outage.succeeded(3100)).toBeNull();
  });

  it('a success without an outage ends nothing, and the next failure starts a new one', () => {
    const outage = new DatabaseOutage();
    expect(outage.succeeded(10)).toBeNull();
    outage.failed(20);
    outage.succeeded(30);
    expect(outage.failed(40)).toBe(true);
    expect(outage.succeeded(45)).toEqual({ durationMs: 5, failures: 1 });
  });
});
