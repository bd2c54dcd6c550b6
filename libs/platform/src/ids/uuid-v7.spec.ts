import { validate, version } from 'uuid';
import { uuidv7 } from './uuid-v7';

describe('uuidv7', () => {
  it('mints valid version-7, RFC variant ids carrying the current time', () => {
    const before = Date.now();
    const id = uuidv7();
    const after = Date.now();
    expect(validate(id)).toBe(true);
    expect(version(id)).toBe(7);
    expect('89ab').toContain(id[19]);
    const ms = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(after + 1);
  });

  it('keeps ids of one millisecond in order, and unique', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7(1_700_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('stays in order across many milliseconds and when the clock steps back', () => {
    const ids: string[] = [];
    for (let ms = 1_800_000_000_000; ms < 1_800_000_000_000 + 300; ms += 1)
      for (let i = 0; i < 20; i += 1) ids.push(uuidv7(ms));
    ids.push(uuidv7(1_800_000_000_000 - 5000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('encodes the timestamp big-endian in the first 48 bits', () => {
    // Later than any id minted above (the generator never goes back in time).
    const id = uuidv7(0x0fed_cba9_8765);
    expect(id.slice(0, 13)).toBe('0fedcba9-8765');
  });
});
