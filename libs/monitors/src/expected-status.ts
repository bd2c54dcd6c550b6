// A monitor's expected_status: comma-separated HTTP status codes and inclusive ranges, e.g. "200-299" (the default),
// "200", "200,204,301-302". Checked at save (the DTO), matched at each check.

const PART = /^([1-5]\d\d)(?:-([1-5]\d\d))?$/;
export const DEFAULT_EXPECTED_STATUS = '200-299';
export const EXPECTED_STATUS_PATTERN = /^[1-5]\d\d(-[1-5]\d\d)?(,[1-5]\d\d(-[1-5]\d\d)?){0,19}$/;

export type StatusRange = readonly [number, number];

/** The ranges the text names, or null when it is not valid (a part that is not a code 100-599, a range backwards). */
export function parseExpectedStatus(text: string): StatusRange[] | null {
  if (!EXPECTED_STATUS_PATTERN.test(text)) return null;
  const ranges: StatusRange[] = [];
  for (const part of text.split(',')) {
    const m = PART.exec(part);
    if (!m) return null;
    const low = Number(m[1]);
    const high = m[2] === undefined ? low : Number(m[2]);
    if (high < low) return null;
    ranges.push([low, high]);
  }
  return ranges;
}

/** Whether the status code is one the text expects (false for text that is not valid). */
export function statusExpected(text: string, statusCode: number): boolean {
  return (parseExpectedStatus(text) ?? []).some(([low, high]) => statusCode >= low && statusCode <= high);
}
