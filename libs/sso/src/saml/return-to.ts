// Where a sign-in may send the browser back to: a path on Conduit, or an absolute URL on Conduit's own origin or an
// allowed one. Anything else would make the login route an open redirect.

/** The URL to return to, resolved against `base`; null when it is not allowed. */
export function allowedReturnTo(value: string, base: string, allowedOrigins: readonly string[]): string | null {
  if (value.length === 0 || value.length > 2000) return null;
  // Control characters and backslashes: browsers "fix" them into other URLs than the one checked here.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return null;
  const own = new URL(base).origin;
  if (value.startsWith('/')) {
    // "//host" is protocol-relative: another origin.
    if (value.startsWith('//')) return null;
    const resolved = new URL(value, own);
    return resolved.origin === own ? resolved.toString() : null;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (url.username || url.password) return null;
  return url.origin === own || allowedOrigins.includes(url.origin) ? url.toString() : null;
}

/** The return URL with the one-time code added to its query. */
export function withCode(returnTo: string, code: string): string {
  const url = new URL(returnTo);
  url.searchParams.set('code', code);
  return url.toString();
}
