import { inlineParameters } from './inline-parameters';

describe('inlineParameters', () => {
  it('writes each value as pg would send it, as an untyped literal', () => {
    expect(inlineParameters('SELECT * FROM t WHERE a = $1 AND b = $2 AND c = $3 LIMIT $4', ['x', 5, true, 51])).toBe(
      "SELECT * FROM t WHERE a = E'x' AND b = E'5' AND c = E'true' LIMIT E'51'",
    );
    expect(inlineParameters('SELECT $1::text[], $2::jsonb', [['a', 'b"c'], { k: "it's" }])).toBe(
      `SELECT E'{"a","b\\\\"c"}'::text[], E'{"k":"it''s"}'::jsonb`,
    );
    expect(inlineParameters('SELECT $1, $2', [null, undefined])).toBe('SELECT NULL, NULL');
  });

  it('escapes quotes and backslashes, and leaves $n inside literals, identifiers, dollar quotes and comments', () => {
    expect(
      inlineParameters("SELECT '$1', \"$1\", $$ $1 $$, $f$ $1 $f$, E'\\' $1' -- $1\n, $1 /* $1 */", ["a'\\b"]),
    ).toBe("SELECT '$1', \"$1\", $$ $1 $$, $f$ $1 $f$, E'\\' $1' -- $1\n, E'a''\\\\b' /* $1 */");
    expect(inlineParameters("SELECT 'it''s $1', $1", ['v'])).toBe("SELECT 'it''s $1', E'v'");
  });

  it('gives up on what it cannot write: binary values, NUL, missing values, unterminated quotes', () => {
    expect(inlineParameters('SELECT $1', [Buffer.from('x')])).toBeNull();
    expect(inlineParameters('SELECT $1', ['a\u0000b'])).toBeNull();
    expect(inlineParameters('SELECT $2', ['a'])).toBeNull();
    expect(inlineParameters("SELECT 'open", [])).toBeNull();
  });
});
