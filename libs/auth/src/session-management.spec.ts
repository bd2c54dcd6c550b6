import { parseExpiry } from './session-management.service';

describe('parseExpiry (the seed path’s {exiprytime})', () => {
  const now = new Date('2026-12-06T12:00:00.000Z');

  it('reads whole seconds from now', () => {
    expect(parseExpiry('3600', now)?.toISOString()).toBe('2026-12-06T13:00:00.000Z');
    expect(parseExpiry('1', now)?.toISOString()).toBe('2026-12-06T12:00:01.000Z');
  });

  it('reads an ISO 8601 date-time with a zone', () => {
    expect(parseExpiry('2026-12-31T18:00:00Z', now)?.toISOString()).toBe('2026-12-31T18:00:00.000Z');
    expect(parseExpiry('2026-12-31T18:00:00.250+02:00', now)?.toISOString()).toBe('2026-12-31T16:00:00.250Z');
    expect(parseExpiry('2026-12-31T18:00Z', now)?.toISOString()).toBe('2026-12-31T18:00:00.000Z');
  });

  it.each([
    '0',
    '',
    '-5',
    '1.5',
    '1e3',
    'soon',
    '2026-12-31',
    '2026-12-31T18:00:00',
    '2026-13-45T99:00:00Z',
    '12345678901',
  ])('refuses %j', (raw) => {
    expect(parseExpiry(raw, now)).toBeNull();
  });
});
