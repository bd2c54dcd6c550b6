import { parsePageLimit } from './page-limit';

describe('parsePageLimit', () => {
  it('reads plain decimal digits', () => {
    expect(parsePageLimit('50')).toBe(50);
    expect(parsePageLimit('0')).toBe(0);
  });

  it.each(['0x10', '1e2', ' 5', '5 ', '+5', '-1', '1.5', '', '12345'])(
    'leaves %j as text for the validator to refuse',
    (text) => {
      expect(parsePageLimit(text)).toBe(text);
    },
  );
});
