// What a receive request declares about its body: whether it is JSON (parsed for the delivery id and event type;
// refused when it does not parse), its charset, and its content coding. The body itself is stored as received.
import { IngestionException } from './ingestion.exception';

type Headers = Record<string, string | undefined>;

/** Charsets whose bytes are UTF-8 (RFC 8259 §8.1: JSON between systems is UTF-8; ASCII is a subset). */
const UTF8_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii']);
const IDENTITY = /^\s*(?:identity\s*)?$/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/**
 * Whether a content type declares JSON: its subtype is json or ends in +json (application/json, text/json,
 * application/vnd.api+json), parameters aside. json-seq, jsonl and ndjson hold several values: not JSON here.
 */
export function isJsonContentType(contentType: string): boolean {
  if (contentType === 'application/json') return true;
  const end = contentType.indexOf(';');
  const essence = (end < 0 ? contentType : contentType.slice(0, end)).trim().toLowerCase();
  const slash = essence.indexOf('/');
  if (slash <= 0) return false;
  const subtype = essence.slice(slash + 1);
  return subtype === 'json' || (subtype.endsWith('+json') && subtype.length > 5);
}

/**
 * Why the body cannot be read as declared (415), or null. A content coding (gzip, br, ...) is refused rather than
 * decoded: signatures are computed over the bytes sent, and the providers served here send identity bodies. JSON in
 * a charset other than UTF-8 is refused rather than transcoded, so the bytes stored, verified and routed stay the same.
 */
export function bodyFormatRefusal(headers: Headers): IngestionException | null {
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && !IDENTITY.test(encoding)) {
    return new IngestionException(
      'unsupported_content_encoding',
      `Content-Encoding ${encoding.trim()} is not accepted: send the body uncompressed`,
    );
  }
  const contentType = headers['content-type'];
  if (contentType === undefined || !contentType.includes(';') || !isJsonContentType(contentType)) return null;
  const charset = CHARSET.exec(contentType)?.[1].toLowerCase();
  if (charset === undefined || UTF8_CHARSETS.has(charset)) return null;
  return new IngestionException('unsupported_charset', `JSON bodies must be UTF-8; charset=${charset} is not accepted`);
}

/** The bytes after a UTF-8 byte order mark, which RFC 8259 §8.1 lets a parser ignore (the stored body keeps it). */
export function withoutBom(raw: Buffer): Buffer {
  return raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? raw.subarray(3) : raw;
}
