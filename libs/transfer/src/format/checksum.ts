// The document's checksum: SHA-256 of its canonical JSON (RFC 8785, JSON Canonicalization Scheme, by the
// `canonicalize` package: sorted keys, one number form, no whitespace) without the `checksum` member, so any
// reformatting of the file keeps it and any change of content breaks it.
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

export function documentChecksum(document: Record<string, unknown>): string {
  const { checksum: _ignored, ...content } = document;
  const canonical = canonicalize(content);
  if (canonical === undefined) throw new TypeError('the document cannot be canonicalised');
  return createHash('sha256').update(canonical).digest('hex');
}
