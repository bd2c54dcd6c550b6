// CSV as RFC 4180 writes it (CRLF between records, a field quoted when it holds a comma, a quote or a line break, its
// quotes doubled), for the compliance report. Text that a spreadsheet would run as a formula is defused.

export type CsvValue = string | number | boolean | null;

/** Characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One field. Text starting like a formula (a tenant named "=HYPERLINK(...)") gets a leading apostrophe, which
 * spreadsheets show as text; numbers are written as they are (negative ones included). null is an empty field.
 */
export function csvField(value: CsvValue): string {
  if (value === null) return '';
  if (typeof value !== 'string') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A header line and one line per row, each ended by CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [header, ...rows].map((row) => `${row.map(csvField).join(',')}\r\n`).join('');
}

/**
 * Whether an Accept header prefers text/csv to JSON: CSV only when it is acceptable (q > 0) and weighs more than
 * application/json does (by its own range, application/*, or *\/*). JSON is the default, also on a tie.
 */
export function prefersCsv(accept: string | undefined): boolean {
  if (!accept) return false;
  let csv = 0;
  let json = 0;
  let csvSpecificity = -1;
  let jsonSpecificity = -1;
  for (const part of accept.split(',')) {
    const [range, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (!range) continue;
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!Number.isFinite(q) || q < 0 || q > 1) continue;
    // The most specific range that matches a type decides its weight (RFC 9110, 12.5.1).
    const specificity = (type: string) => {
      if (range === type) return 2;
      if (range === `${type.split('/')[0]}/*`) return 1;
      return range === '*/*' ? 0 : -1;
    };
    const forCsv = specificity('text/csv');
    if (forCsv > csvSpecificity) [csv, csvSpecificity] = [q, forCsv];
    const forJson = specificity('application/json');
    if (forJson > jsonSpecificity) [json, jsonSpecificity] = [q, forJson];
  }
  return csv > 0 && csv > json;
}
