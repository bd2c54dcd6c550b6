// Masks credential values in what is stored of an outbound call (chain step attempts, task runs: response body and
// parsed response, request payload and headers, errors), so a receiver that echoes a key does not put it in the
// database. Requests are rendered with [REDACTED] in place of credentials by construction; this is for everything else.
// A value is masked as sent and in the forms an echo is likely to take: JSON-escaped (", \, tab, non-ASCII as \u),
// percent-encoded, and base64 at any alignment. Values shorter than MIN_SCRUB_LENGTH would blank out ordinary text if
// masked wherever they occur, so they are masked only where they are a whole value: a JSON string, a string of the
// parsed response, the whole body.
export const REDACTED = '[REDACTED]';
export const MIN_SCRUB_LENGTH = 4;
// base64 forms of shorter values are a few characters that turn up by chance in any long base64 text.
const MIN_BASE64_SCRUB_LENGTH = 8;

export interface CredentialScrubber {
  /** A text (body, error, header value) with every form of every value masked. */
  text(text: string): string;
  /** The strings (keys included) of a JSON value, masked like text(), short values where they are a whole string. */
  json<T>(value: T): T;
}

const NOTHING: CredentialScrubber = { text: (t) => t, json: (v) => v };

export function credentialScrubber(secrets: readonly string[]): CredentialScrubber {
  const values = [...new Set(secrets.filter((s) => s.length > 0))];
  if (values.length === 0) return NOTHING;
  const long = values.filter((s) => s.length >= MIN_SCRUB_LENGTH);
  const short = new Set(values.filter((s) => s.length < MIN_SCRUB_LENGTH));
  const anywhere = alternation(long.flatMap(encodedForms));
  // A short value as a whole JSON string inside a text: "ab", or \"ab\" in JSON text quoted inside JSON.
  const quoted = alternation(
    [...short].flatMap((s) => {
      const { once, twice } = jsonEscapedForms(s);
      return [...once.map((form) => `"${form}"`), ...twice.map((form) => `\\"${form}\\"`)];
    }),
  );
  const text = (t: string): string => {
    if (short.has(t)) return REDACTED;
    let out = anywhere ? t.replace(anywhere, REDACTED) : t;
    if (quoted) out = out.replace(quoted, (m) => (m.startsWith('\\') ? `\\"${REDACTED}\\"` : `"${REDACTED}"`));
    return out;
  };
  const json = <T>(value: T): T => {
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return text(v);
      if (Array.isArray(v)) return v.map(walk);
      if (v !== null && typeof v === 'object')
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [text(k), walk(x)]));
      return v;
    };
    return walk(value) as T;
  };
  return { text, json };
}

/** The value and the forms an echo of it is likely to take. */
export function encodedForms(value: string): string[] {
  const { once, twice } = jsonEscapedForms(value);
  const forms = new Set<string>([value, ...once, ...twice, ...percentEncodedForms(value)]);
  if (value.length >= MIN_BASE64_SCRUB_LENGTH) for (const form of base64Forms(value)) forms.add(form);
  return [...forms].filter((f) => f.length > 0);
}

// The value as the inside of a JSON string (quote, backslash and control characters escaped; non-ASCII as is or as
// a \u escape; the slash as is or escaped), and that text escaped again, as it reads when a JSON document is itself
// echoed as a JSON string (httpbin's "data").
function jsonEscapedForms(value: string): { once: string[]; twice: string[] } {
  const once = escapeVariants(value);
  const twice = new Set(once.flatMap(escapeVariants));
  return { once, twice: [...twice] };
}

function escapeVariants(text: string): string[] {
  const escaped = JSON.stringify(text).slice(1, -1);
  const ascii = escaped.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const upper = ascii.replace(/\\u([0-9a-f]{4})/g, (_, h: string) => `\\u${h.toUpperCase()}`);
  return [...new Set([escaped, ascii, upper, escaped.replaceAll('/', '\\/')])];
}

function percentEncodedForms(value: string): string[] {
  const component = encodeURIComponent(value);
  const lower = component.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
  return [component, lower, component.replaceAll('%20', '+'), encodeURI(value)];
}

/**
 * The characters of base64 (and base64url) text that depend only on the value, for each of the three alignments
 * the value can have inside a longer encoded text (`user:secret` in a Basic header, a JSON document encoded whole).
 */
function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms: string[] = [];
  for (let offset = 0; offset < 3; offset += 1) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    const first = Math.ceil((offset * 8) / 6);
    const end = Math.floor(((offset + bytes.length) * 8) / 6);
    const core = encoded.slice(first, end);
    forms.push(core, core.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return forms;
}

/** One global regular expression matching any of the texts, longest first; null for none. */
function alternation(texts: string[]): RegExp | null {
  const unique = [...new Set(texts)].sort((a, b) => b.length - a.length);
  if (unique.length === 0) return null;
  return new RegExp(unique.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
}
