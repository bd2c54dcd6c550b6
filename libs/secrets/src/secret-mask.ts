const DOTS = '••••';
// Below this length the last four characters would give away too much of the secret.
const MIN_LENGTH_TO_HINT = 12;

/** What API responses show instead of a secret: its last four characters at most, never its length. */
export function mask(value: string): string {
  if (value === '') return '';
  return value.length < MIN_LENGTH_TO_HINT ? DOTS : `${DOTS}${value.slice(-4)}`;
}
