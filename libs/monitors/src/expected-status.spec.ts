import { parseExpectedStatus, statusExpected } from './expected-status';

describe('expected_status', () => {
  it('parses codes and inclusive ranges', () => {
    expect(parseExpectedStatus('200-299')).toEqual([[200, 299]]);
    expect(parseExpectedStatus('200,204,301-302')).toEqual([
      [200, 200],
      [204, 204],
      [301, 302],
    ]);
  });

  it.each(['', '2xx', '600', '099', '299-200', '200,', ' 200', '200 - 299', '200;201'])('refuses %j', (text) => {
    expect(parseExpectedStatus(text)).toBeNull();
  });

  it('matches a status against them', () => {
    expect(statusExpected('200-299', 204)).toBe(true);
    expect(statusExpected('200-299', 301)).toBe(false);
    expect(statusExpected('200,301-302', 302)).toBe(true);
    expect(statusExpected('404', 404)).toBe(true);
    expect(statusExpected('bad', 200)).toBe(false);
  });
});
