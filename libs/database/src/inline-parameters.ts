// A parameterised statement ($1..$n) written as one text, for a simple-protocol message that carries it together with
// other statements (BEGIN and a tenant's settings). Each value becomes what pg would have sent for it in the extended
// protocol (its text, by pg's own prepareValue), as an untyped string literal: PostgreSQL resolves an untyped literal
// from its context as it resolves an untyped parameter, so the statement means the same. The placeholders are found by
// a scanner that skips quoted strings, quoted identifiers, dollar-quoted bodies and comments. null when the statement
// cannot be written so (binary values, NUL characters, a placeholder without a value): the caller sends it as it is.
import { prepareValue } from 'pg/lib/utils';
import { quote } from './tenant-round-trip';

export function inlineParameters(sql: string, values: readonly unknown[] | undefined): string | null {
  const texts: (string | null)[] = [];
  for (const value of values ?? []) {
    const text = prepareValue(value) as unknown;
    if (text === null || text === undefined) texts.push(null);
    else if (typeof text === 'string' && !text.includes('\u0000')) texts.push(text);
    else return null;
  }
  // Copies the text between placeholders in slices (a character at a time allocated as much as the statement's size
  // again per statement).
  const parts: string[] = [];
  let copied = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === QUOTE) {
      const escapes = i > 0 && (sql[i - 1] === 'E' || sql[i - 1] === 'e') && !isIdentifierChar(sql[i - 2]);
      i = stringEnd(sql, i, escapes);
      if (i < 0) return null;
    } else if (c === DOUBLE_QUOTE) {
      const end = sql.indexOf('"', i + 1);
      if (end < 0) return null;
      i = end + 1;
    } else if (c === DASH && sql.charCodeAt(i + 1) === DASH) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? n : end;
    } else if (c === SLASH && sql.charCodeAt(i + 1) === STAR) {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) return null;
      i = end + 2;
    } else if (c === DOLLAR && !isIdentifierChar(sql[i - 1])) {
      let j = i + 1;
      while (j < n && sql.charCodeAt(j) >= ZERO && sql.charCodeAt(j) <= NINE) j += 1;
      if (j > i + 1) {
        const index = Number(sql.slice(i + 1, j)) - 1;
        if (index < 0 || index >= texts.length) return null;
        const text = texts[index];
        parts.push(sql.slice(copied, i), text === null ? 'NULL' : quote(text));
        copied = j;
        i = j;
        continue;
      }
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        if (end < 0) return null;
        i = end + tag[0].length;
      } else i += 1;
    } else i += 1;
  }
  parts.push(sql.slice(copied));
  return parts.join('');
}

const QUOTE = 39;
const DOUBLE_QUOTE = 34;
const DASH = 45;
const SLASH = 47;
const STAR = 42;
const DOLLAR = 36;
const ZERO = 48;
const NINE = 57;

/** The index just past the literal opening at `start` (a quote doubled inside it, or escaped in an E'' literal). */
function stringEnd(sql: string, start: number, escapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (escapes && c === '\\') i += 2;
    else if (c === "'") {
      if (sql[i + 1] === "'") i += 2;
      else return i + 1;
    } else i += 1;
  }
  return -1;
}

function isIdentifierChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$]/.test(c);
}
