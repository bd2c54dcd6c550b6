import { REDACTED, credentialScrubber } from './credential-scrubber';

const LONG = 'se"cr\\et\tv/al ü-42';
const PLAIN = 'sk_live_PlainSecret123';
const SHORT = 'Qx~';

describe('credential scrubber', () => {
  const scrubber = credentialScrubber([LONG, PLAIN, SHORT]);
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

  it('masks a value as sent and in the forms an echo takes: JSON-escaped (once or twice), percent-encoded, base64', () => {
    const body = JSON.stringify({ value: LONG, plain: PLAIN });
    const echoes = [
      LONG,
      body,
      JSON.stringify({ data: body }),
      JSON.stringify(LONG).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
      encodeURIComponent(LONG),
      encodeURIComponent(LONG).replaceAll('%20', '+'),
      `Basic ${b64(`user:${PLAIN}`)}`,
      b64(`{"k":"${PLAIN}"}`),
      Buffer.from(`xy${PLAIN}`).toString('base64url'),
      b64(LONG),
    ];
    for (const echo of echoes) {
      const out = scrubber.text(`before ${echo} after`);
      expect(out, echo).toContain(REDACTED);
      for (const form of [
        LONG,
        PLAIN,
        JSON.stringify(LONG).slice(1, -1),
        encodeURIComponent(LONG),
        b64(PLAIN).slice(0, 20),
      ]) {
        expect(out, `${echo} -> ${out}`).not.toContain(form);
      }
    }
    // Still valid JSON after masking.
    expect(JSON.parse(scrubber.text(JSON.stringify({ data: body })))).toEqual({
      data: JSON.stringify({ value: REDACTED, plain: REDACTED }),
    });
  });

  it('masks short values only where they are a whole value, not inside other text', () => {
    expect(scrubber.text(SHORT)).toBe(REDACTED);
    expect(scrubber.text(`{"short":"${SHORT}","other":"aQx~b"}`)).toBe(`{"short":"${REDACTED}","other":"aQx~b"}`);
    expect(scrubber.text(JSON.stringify({ data: JSON.stringify({ short: SHORT }) }))).toBe(
      JSON.stringify({ data: JSON.stringify({ short: REDACTED }) }),
    );
    expect(scrubber.json({ a: SHORT, b: [SHORT, `x${SHORT}`], [SHORT]: 1 })).toEqual({
      a: REDACTED,
      b: [REDACTED, `x${SHORT}`],
      [REDACTED]: 1,
    });
    expect(scrubber.text('HTTP 500')).toBe('HTTP 500');
  });

  it('walks JSON values, keys included, and leaves everything alone without secrets', () => {
    expect(scrubber.json({ [PLAIN]: { list: [`k=${PLAIN}`, 1, null, true] } })).toEqual({
      [REDACTED]: { list: [`k=${REDACTED}`, 1, null, true] },
    });
    const none = credentialScrubber([]);
    const value = { a: 'x' };
    expect(none.json(value)).toBe(value);
    expect(none.text(PLAIN)).toBe(PLAIN);
  });
});
