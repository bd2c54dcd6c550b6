import { csvField, prefersCsv, toCsv } from './csv';

/** RFC 4180 read back, written apart from the writer: quoted fields, doubled quotes, CRLF between records. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || record.length > 0) throw new Error('the last record is not ended by CRLF');
  return records;
}

describe('CSV', () => {
  it('quotes fields with commas, quotes and line breaks, and ends every record with CRLF', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('Acme, Inc.')).toBe('"Acme, Inc."');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(null)).toBe('');
    expect(csvField(12)).toBe('12');
    expect(csvField(false)).toBe('false');
    expect(toCsv(['a', 'b'], [['x, y', 1]])).toBe('a,b\r\n"x, y",1\r\n');
  });

  it('reads back as written, whatever the text', () => {
    const rows = [
      ['Acme, Inc.', 'He said "no"', 'line\r\nbreak', '', 'ünïcode ✓', 42],
      ['"', ',', '""', ' spaced ', '\n', 0],
    ];
    expect(parseCsv(toCsv(['a', 'b', 'c', 'd', 'e', 'f'], rows))).toEqual([
      ['a', 'b', 'c', 'd', 'e', 'f'],
      ...rows.map((r) => r.map(String)),
    ]);
  });

  it('defuses text a spreadsheet would run as a formula', () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-1')).toBe("'-1");
    expect(csvField('@sum')).toBe("'@sum");
    expect(csvField(-1)).toBe('-1');
  });
});

describe('Accept', () => {
  it('gives CSV when text/csv weighs more than JSON, JSON otherwise (and on a tie)', () => {
    expect(prefersCsv('text/csv')).toBe(true);
    expect(prefersCsv('text/csv; charset=utf-8')).toBe(true);
    expect(prefersCsv('text/*')).toBe(true);
    expect(prefersCsv('application/json;q=0.5, text/csv')).toBe(true);
    expect(prefersCsv('TEXT/CSV')).toBe(true);
    expect(prefersCsv(undefined)).toBe(false);
    expect(prefersCsv('')).toBe(false);
    expect(prefersCsv('*/*')).toBe(false);
    expect(prefersCsv('application/json')).toBe(false);
    expect(prefersCsv('text/csv, application/json')).toBe(false);
    expect(prefersCsv('text/csv;q=0, */*')).toBe(false);
    expect(prefersCsv('text/csv;q=0.9, */*;q=0.1')).toBe(true);
    expect(prefersCsv('text/csv;q=abc')).toBe(false);
    expect(prefersCsv('text/html')).toBe(false);
  });
});
