// Header reads for verification: blank values count as absent.
type Headers = Record<string, string | undefined>;

export function headerValue(headers: Headers, name: string): string | undefined {
  const value = headers[name]?.trim();
  return value ? value : undefined;
}

/** The credential of `Authorization: <scheme> <credential>`, scheme matched case-insensitively (RFC 9110 §11.1). */
export function authorizationCredential(headers: Headers, scheme: 'Bearer' | 'Basic'): string | undefined {
  const authorization = headerValue(headers, 'authorization');
  if (!authorization) return undefined;
  const separator = authorization.indexOf(' ');
  if (separator < 0 || authorization.slice(0, separator).toLowerCase() !== scheme.toLowerCase()) return undefined;
  const credential = authorization.slice(separator + 1).trim();
  return credential ? credential : undefined;
}
