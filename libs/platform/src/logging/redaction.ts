// Secrets never reach logs: pino redact paths for requests plus a masking helper for structured data.
// `headers` too: header maps (e.g. a webhook's custom headers) routinely carry credentials.
export const SECRET_KEY_PATTERN = /pass(word)?|secret|token|api[-_]?key|authorization|cookie|credential|private[-_]?key|signature|^headers$/i;

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

/** Deep-copies a JSON-like value, replacing the values of secret-looking keys with a mask. */
export function maskSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEY_PATTERN.test(k) ? MASK : maskSecrets(v, depth + 1);
  }
  return out;
}
