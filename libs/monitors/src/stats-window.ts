// The window of GET /api/v1/monitors/{id}/stats: a number and a unit (m, h or d), from 1h to 30d.

const WINDOW = /^([1-9]\d{0,5})([mhd])$/;
const UNIT_SECONDS = { m: 60, h: 3600, d: 86400 } as const;
export const MIN_WINDOW_SECONDS = 3600;
export const MAX_WINDOW_SECONDS = 30 * 86400;
export const DEFAULT_WINDOW = '24h';

/** The window in seconds, or null when the text is not one or falls outside 1h..30d. */
export function parseStatsWindow(text: string): number | null {
  const m = WINDOW.exec(text);
  if (!m) return null;
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS];
  return seconds >= MIN_WINDOW_SECONDS && seconds <= MAX_WINDOW_SECONDS ? seconds : null;
}
