// A parameterised statement ($1..$n) written as one text, for a simple-protocol message that carries it together with
// other statements (BEGIN and a tenant's settings). Each value becomes what pg would have sent for it in the extended
// protocol (its text, by pg's own prepareValue), as an untyped string literal: PostgreSQL resolves an untyped literal
// from its context as it resolves an untyped parameter, so the statement means the same. The placeholders are found by
// a scanner that skips quoted strings, quoted identifiers, dollar-quoted bodies and comments. null when the statement
// cannot be written so (binary values, NUL characters, a placeholder without a value): the caller sends it as it is.
import { prepareValue } from 'pg/lib/utils';

export function inlineParameters(sql: string, values: readonly unknown[] | undefined): string | null {
  const texts: (string | null)[] = [];
  for (const value of values ?? []) {
    const text = prepareValue(value) as unknown;
    if (text === null || text === undefined) texts.push(null);
    else if (typeof text === 'string' && !text.includes('\u0000')) texts.push(text);
    else return null;
  }
  let out = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    if (c === "'") {
      const escapes = i > 0 && (sql[i - 1] === 'E' || sql[i - 1] === 'e') && !isIdentifierChar(sql[i - 2]);
      const end = stringEnd(sql, i, escapes);
      if (end < 0) return null;
      out += sql.slice(i, end);
      i = end;
    } else if (c === '"') {
      const end = sql.indexOf('"', i + 1);
      if (end < 0) return null;
      out += sql.slice(i, end + 1);
      i = end + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      out += sql.slice(i, stop);
      i = stop;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) return null;
      out += sql.slice(i, end + 2);
      i = end + 2;
    } else if (c === '$') {
      const digits = /^\$(\d+)/.exec(sql.slice(i, i + 12));
      if (digits && !isIdentifierChar(sql[i - 1])) {
        const index = Number(digits[1]) - 1;
        if (index < 0 || index >= texts.length) return null;
        const text = texts[index];
        out += text === null ? 'NULL' : quote(text);
        i += digits[0].length;
        continue;
      }
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
      if (tag && !isIdentifierChar(sql[i - 1])) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        if (end < 0) return null;
        out += sql.slice(i, end + tag[0].length);
        i = end + tag[0].length;
        continue;
      }
      out += c;
      i += 1;
    } else {
      out += c;
      i += 1;
    }
  }
  return out;
}

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

/** An E'...' literal: reads the same whatever standard_conforming_strings says. */
function quote(text: string): string {
  return `E'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}
