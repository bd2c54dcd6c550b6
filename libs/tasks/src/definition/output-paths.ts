// Output fields pick values out of a task's JSON response by JSONPath (jsonpath-plus, which runs them). Its parser
// accepts almost any text (`$.a[` reads as `$.a`), so brackets and quotes are checked here first, and each filter
// `[?(...)]` is parsed by the library's safe evaluator once, against an empty object.
import { JSONPath } from 'jsonpath-plus';

// jsonpath-plus caches every path and filter it parses, forever (module-level Maps with no bound). Paths checked
// here come from clients, so the caches are cleared after every CACHE_CLEAR_EVERY of them: memory stays bounded and
// stored paths are simply parsed again.
const CACHE_CLEAR_EVERY = 2000;
let parsedSinceClear = 0;

function countParse(): void {
  parsedSinceClear++;
  if (parsedSinceClear >= CACHE_CLEAR_EVERY) {
    JSONPath.clearCache();
    parsedSinceClear = 0;
  }
}

/** Why a JSONPath cannot be used as an output path, or null. */
export function jsonPathProblem(path: string): string | null {
  countParse();
  if (!path.startsWith('$')) return 'must start with $ (the response body)';
  if (path.startsWith('$$')) return 'must start with a single $';
  const lexical = bracketProblem(path);
  if (lexical) return lexical;
  if (/\.$/.test(path)) return 'ends with "."';
  let steps: string[];
  try {
    steps = JSONPath.toPathArray(path) as string[];
  } catch (err) {
    return (err as Error).message;
  }
  if (steps[0] !== '$') return 'must start with $ (the response body)';
  // jsonpath-plus stands `#<digits>` in for bracketed text while it parses; the same text in a path is read back as
  // a missing step (and running the path throws), so it cannot be used, quoted or not.
  if (steps.some((s) => typeof s !== 'string')) return '"#" followed by digits cannot be used in a path';
  if (steps.slice(1).some((s) => s === '')) return 'has an empty step';
  for (const step of steps.slice(1)) {
    if (step.startsWith('(')) return 'script expressions [(...)] are not supported; use a filter [?(...)]';
    if (step.startsWith('?(')) {
      const problem = filterProblem(step);
      if (problem) return problem;
    }
  }
  return null;
}

/** Every value a (checked) output path matches in a JSON document, in document order; filters run in safe mode. */
export function jsonPathMatches(path: string, json: unknown): unknown[] {
  countParse();
  // jsonpath-plus reads a primitive root as "no document"; wrapping keeps `$` meaning the body itself.
  const matches: unknown = JSONPath({ path: `$.root${path.slice(1)}`, json: { root: json }, eval: 'safe', wrap: true });
  return Array.isArray(matches) ? matches : [];
}

/**
 * Whether a path can match more than one value: a wildcard, recursive descent (..), a slice, a union, a filter, or
 * a parent/property-name step. Such a path gives a list; a path of names and single indexes gives one value.
 */
export function jsonPathMatchesMany(path: string): boolean {
  let steps: string[];
  try {
    steps = JSONPath.toPathArray(path) as string[];
  } catch {
    return false;
  }
  return steps
    .slice(1)
    .some(
      (s) =>
        typeof s !== 'string' ||
        s === '*' ||
        s === '..' ||
        s.startsWith('?(') ||
        s === '^' ||
        s === '~' ||
        /[:,]/.test(s),
    );
}

function bracketProblem(path: string): string | null {
  let depth = 0;
  let quote: string | null = null;
  for (const ch of path) {
    if (quote) {
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === '[') depth++;
    else if (ch === ']') {
      if (depth === 0) return '"]" without "["';
      depth--;
    } else if ((ch === "'" || ch === '"') && depth > 0) quote = ch;
  }
  if (quote) return `unclosed ${quote} quote`;
  if (depth > 0) return '"[" without "]"';
  return null;
}

/** Parse errors of a filter; errors raised while running it on {} (reading a missing property) are not parse errors. */
function filterProblem(step: string): string | null {
  try {
    JSONPath({ path: `$[${step}]`, json: [{}], eval: 'safe', wrap: true });
    return null;
  } catch (err) {
    const message = (err as Error).message;
    return message.startsWith('jsonPath:') ? null : `filter ${step}: ${message}`;
  }
}
