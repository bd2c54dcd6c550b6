import { parseStatsWindow } from './stats-window';

describe('parseStatsWindow', () => {
  it('reads minutes, hours and days from 1h to 30d', () => {
    expect(parseStatsWindow('1h')).toBe(3600);
    expect(parseStatsWindow('60m')).toBe(3600);
    expect(parseStatsWindow('24h')).toBe(86400);
    expect(parseStatsWindow('30d')).toBe(30 * 86400);
    expect(parseStatsWindow('720h')).toBe(30 * 86400);
  });

  it.each(['59m', '31d', '0h', '1w', 'h', '24', '-1h', '1.5h', '01h', ' 1h'])('refuses %j', (text) => {
    expect(parseStatsWindow(text)).toBeNull();
  });
});
