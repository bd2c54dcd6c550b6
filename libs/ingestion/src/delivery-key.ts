// The delivery id as the per-source unique index compares it. Ids up to MAX_DELIVERY_ID characters are kept as they
// are; a longer one is kept as its first MAX_DELIVERY_ID characters plus a SHA-256 of the whole id, so two distinct
// long ids never collide (cutting them to a prefix dropped the second as a duplicate) and the index entry stays small.
import { createHash } from 'node:crypto';
import { storableText } from '@conduit/platform';

export const MAX_DELIVERY_ID = 200;
const HASH_MARK = '#sha256=';

/**
 * The stored key of a provider's delivery id. Long keys are longer than MAX_DELIVERY_ID, so none equals a short id
 * kept as is. NUL characters and unpaired surrogates, which PostgreSQL text cannot hold, are replaced by U+FFFD first
 * (the same way on every repeat, so deduplication holds).
 */
export function deliveryKey(id: string): string {
  const text = storableText(id);
  if (text.length <= MAX_DELIVERY_ID) return text;
  // The cut may split a surrogate pair: storableText again keeps the prefix storable.
  return `${storableText(text.slice(0, MAX_DELIVERY_ID))}${HASH_MARK}${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}
