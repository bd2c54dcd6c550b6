// The custom headers a tenant may have Conduit send (a subscription's headers, a chain step's): names of letters,
// digits and -, given once whatever their case; values of printable ASCII and tab up to 4000 characters (what
// Node's HTTP client sends; it throws on anything else); no hop-by-hop names and none Conduit sets. Subscriptions
// check them when saved; chains when saved (a value's literal text around its templates) and again when a step is
// sent (the rendered value), so a bad value fails the step, not the worker.

export const MAX_CUSTOM_HEADERS = 20;
export const MAX_HEADER_VALUE_LENGTH = 4000;
const HEADER_NAME = /^[A-Za-z0-9-]{1,100}$/;
const HEADER_TEXT = /^[\t\x20-\x7e]*$/;
// Set by Conduit on every request (signature, content, chain headers), or hop-by-hop and meaningless to forward.
// Authorization is allowed (a credential); a private subscription's bearer token wins over it.
const RESERVED_HEADERS =
  /^(content-type|content-length|content-encoding|host|user-agent|webhook-.*|x-loki-.*|x-conduit-.*|connection|keep-alive|transfer-encoding|te|trailer|upgrade|expect|proxy-.*)$/i;

export const HEADER_VALUE_RULE = `printable ASCII or tab, up to ${MAX_HEADER_VALUE_LENGTH} characters`;

/** Why a header name is refused (seenLowerCase collects the names so far), or null. */
export function headerNameProblem(name: string, seenLowerCase: Set<string>): string | null {
  const lower = name.toLowerCase();
  const problem = !HEADER_NAME.test(name)
    ? 'not a header name (letters, digits and -, at most 100)'
    : RESERVED_HEADERS.test(name)
      ? 'set by Conduit or not forwardable'
      : seenLowerCase.has(lower)
        ? 'given twice (header names are case-insensitive)'
        : null;
  seenLowerCase.add(lower);
  return problem;
}

/** Literal header text (a whole value, or the text around its templates) that can be sent as is. */
export function isHeaderText(text: string): boolean {
  return HEADER_TEXT.test(text);
}

/** A rendered header value Node's HTTP client will send. */
export function isSendableHeaderValue(value: string): boolean {
  return value.length <= MAX_HEADER_VALUE_LENGTH && HEADER_TEXT.test(value);
}
