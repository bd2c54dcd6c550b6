import { PasswordHasher } from './password-hasher';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher();

  it('verifies the password it hashed and rejects others', async () => {
    const stored = await hasher.hash('correct horse battery staple');
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(stored).not.toContain('correct horse');
    await expect(hasher.verify('correct horse battery staple', stored)).resolves.toBe(true);
    await expect(hasher.verify('correct horse battery stapl', stored)).resolves.toBe(false);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hasher.hash('same password 1'), hasher.hash('same password 1')]);
    expect(a).not.toEqual(b);
  });

  it('rejects missing or malformed hashes', async () => {
    await expect(hasher.verify('whatever', null)).resolves.toBe(false);
    await expect(hasher.verify('whatever', 'md5$abc')).resolves.toBe(false);
  });
});
