import { mask } from './secret-mask';

describe('mask', () => {
  it('keeps only the last four characters of a long secret', () => {
    expect(mask('whsec_0123456789abcdef')).toBe('••••cdef');
  });

  it('hides short secrets entirely and does not reveal length', () => {
    expect(mask('hunter2')).toBe('••••');
    expect(mask('12345678901')).toBe('••••');
  });

  it('leaves an empty value empty', () => {
    expect(mask('')).toBe('');
  });
});
