// scrypt (memory-hard, built into Node) with per-hash parameters so cost can rise without breaking old hashes.
import { Injectable } from '@nestjs/common';
import { randomBytes, scrypt as scryptCb, timingSafeEqual, ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );

const DEFAULT = { N: 16384, r: 8, p: 1 };
const KEY_LENGTH = 32;

@Injectable()
export class PasswordHasher {
  /** Format: scrypt$N$r$p$salt(b64)$hash(b64) */
  async hash(password: string): Promise<string> {
    const salt = randomBytes(16);
    const key = await scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, { ...DEFAULT, maxmem: 64 * 1024 * 1024 });
    return ['scrypt', DEFAULT.N, DEFAULT.r, DEFAULT.p, salt.toString('base64'), key.toString('base64')].join('$');
  }

  async verify(password: string, stored: string | null): Promise<boolean> {
    if (!stored) {
      // Spend the same time as a real check so unknown accounts are not revealed by timing.
      await this.hash(password);
      return false;
    }
    const [scheme, n, r, p, salt, hash] = stored.split('$');
    if (scheme !== 'scrypt' || !salt || !hash) return false;
    const expected = Buffer.from(hash, 'base64');
    const key = await scrypt(password.normalize('NFKC'), Buffer.from(salt, 'base64'), expected.length, {
      N: Number(n),
      r: Number(r),
      p: Number(p),
      maxmem: 64 * 1024 * 1024,
    });
    return key.length === expected.length && timingSafeEqual(key, expected);
  }
}
