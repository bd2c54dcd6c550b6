import { MAX_INPUT_DEPTH } from '@conduit/platform';
import { payloadOf } from './routing.service';

const asBytes = (text: string, contentType: string | null = 'application/json') => ({ raw_body: Buffer.from(text), content_type: contentType });
const nestedText = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

describe('payloadOf', () => {
  it('routes JSON bodies as parsed, escaped NUL text and emoji included', () => {
    const text = JSON.stringify({ note: 'a \\u0000 b \ud83d\ude00', deep: JSON.parse(nestedText(MAX_INPUT_DEPTH - 1)) });
    expect(payloadOf(asBytes(text))).toEqual(JSON.parse(text));
    expect(payloadOf(asBytes('{"a":1}', null))).toEqual({ a: 1 });
  });

  it.each([
    ['a NUL in a value', '{"note":"a\\u0000b"}'],
    ['a NUL in a key', '{"\\u0000":1}'],
    ['an unpaired surrogate', '{"note":"\\ud800"}'],
    ['nesting deeper than the API accepts', `{"a":${nestedText(MAX_INPUT_DEPTH)}}`],
    ['nesting that would overflow the stack', nestedText(200_000)],
  ])('routes JSON it cannot hold (%s) as the bytes received', (_what, text) => {
    expect(payloadOf(asBytes(text))).toEqual({ content_type: 'application/json', body_base64: Buffer.from(text).toString('base64') });
  });

  it('routes other bodies as bytes', () => {
    expect(payloadOf(asBytes('a=1', 'application/x-www-form-urlencoded'))).toEqual({
      content_type: 'application/x-www-form-urlencoded',
      body_base64: Buffer.from('a=1').toString('base64'),
    });
    expect(payloadOf(asBytes('{not json'))).toEqual({ content_type: 'application/json', body_base64: Buffer.from('{not json').toString('base64') });
  });
});
