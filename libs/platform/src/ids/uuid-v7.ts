// UUIDv7 (RFC 9562) without a system call per id: random bits come from a pooled buffer refilled 256 ids at a
// time, and ids minted in the same millisecond stay in order through a 12-bit counter in rand_a (RFC 9562
// section 6.2, method 1), seeded at random each millisecond. The uuid package's v7 asks Web Crypto for 16 bytes
// per id, which showed up at 5% of the receive path's CPU.
import { randomFillSync } from 'node:crypto';

const POOL_IDS = 256;
const pool = Buffer.allocUnsafe(POOL_IDS * 10);
let poolOffset = pool.length;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

let lastMs = -1;
let counter = 0;

function randomBytes10(): number {
  if (poolOffset >= pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const at = poolOffset;
  poolOffset += 10;
  return at;
}

export function uuidv7(now: number = Date.now()): string {
  const r = randomBytes10();
  if (now > lastMs) {
    lastMs = now;
    // Seed below 2^11 so that thousands of ids fit in one millisecond before the counter carries.
    counter = ((pool[r] << 8) | pool[r + 1]) & 0x07ff;
  } else {
    // Same millisecond, or the clock went back: stay after the previous id.
    counter += 1;
    if (counter > 0x0fff) {
      lastMs += 1;
      counter = 0;
    }
  }
  const ms = lastMs;
  const high = Math.floor(ms / 0x10000);
  const low = ms & 0xffff;
  return (
    HEX[(high >>> 24) & 0xff] +
    HEX[(high >>> 16) & 0xff] +
    HEX[(high >>> 8) & 0xff] +
    HEX[high & 0xff] +
    '-' +
    HEX[low >>> 8] +
    HEX[low & 0xff] +
    '-' +
    HEX[0x70 | (counter >>> 8)] +
    HEX[counter & 0xff] +
    '-' +
    HEX[0x80 | (pool[r + 2] & 0x3f)] +
    HEX[pool[r + 3]] +
    '-' +
    HEX[pool[r + 4]] +
    HEX[pool[r + 5]] +
    HEX[pool[r + 6]] +
    HEX[pool[r + 7]] +
    HEX[pool[r + 8]] +
    HEX[pool[r + 9]]
  );
}
