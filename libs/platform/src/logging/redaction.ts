// Secrets never reach logs: pino redact paths for requests plus a masking helper for structured data.
// `headers` too: header maps (e.g. a webhook's custom headers) routinely carry credentials.
export const SECRET_KEY_PATTERN =
  /pass(word)?|secret|token|api[-_]?key|authorization|cookie|credential|private[-_]?key|signature|^headers$/i;

export const LOG_REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.access_token',
  '*.refresh_token',
  '*.token',
  '*.api_key',
];

export const MASK = '[REDACTED]';

/**
 * Deep-copies a JSON-like value, replacing the values of secret-looking keys with a mask, at any depth: the walk is
 * iterative (no nesting can overflow it, and none is left unmasked). A value met again (a cycle) becomes the mask.
 */
export function maskSecrets(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const seen = new WeakSet<object>();
  const pending: { source: object; target: unknown[] | Record<string, unknown> }[] = [];
  const copyOf = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (seen.has(v)) return MASK;
    seen.add(v);
    const target: unknown[] | Record<string, unknown> = Array.isArray(v) ? [] : {};
    pending.push({ source: v, target });
    return target;
  };
  const root = copyOf(value);
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { source, target } = next;
    if (Array.isArray(target)) {
      for (const item of source as unknown[]) target.push(copyOf(item));
      continue;
    }
    for (const [k, v] of Object.entries(source)) {
      // defineProperty: a "__proto__" key from parsed JSON stays a plain property of the copy.
      Object.defineProperty(target, k, {
        value: SECRET_KEY_PATTERN.test(k) ? MASK : copyOf(v),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return root;
}
