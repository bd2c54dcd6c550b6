// Input that must be refused right after parsing: PostgreSQL's text and jsonb hold neither NUL (U+0000) nor unpaired
// UTF-16 surrogates (a 500 when they reach it), a number beyond double range (JSON.parse makes 1e400 Infinity, which
// JSON.stringify then writes as null: silently changed data), and class-transformer recurses once per level of
// nesting (a stack overflow). The walk is iterative, so no depth of input can overflow it.
// Request input is held to two more rules (findRefusedInput): no key named __proto__, constructor, prototype or any
// other Object.prototype member such as toString (Nest's
// ValidationPipe deletes them silently, even inside free-form payloads, and in stored JSON they are a prototype
// pollution hazard for whoever merges it), and no whole number beyond 2^53 - 1 (JSON.parse has already rounded
// 12345678901234567890 to 12345678901234567000: what would be stored and delivered is not what was sent).

/** Deepest nesting of objects and arrays accepted in a request body; the body itself is level 1. */
export const MAX_INPUT_DEPTH = 64;

export type InputProblemKind = 'nul_character' | 'unpaired_surrogate' | 'number_out_of_range' | 'too_deep';
/** What findRefusedInput also refuses in request input. */
export type RefusedInputKind = InputProblemKind | 'reserved_key' | 'unsafe_integer';

/**
 * Keys refused at any depth of request input: `prototype` and every name Object.prototype has (`__proto__`,
 * `constructor`, `toString`, `valueOf`, `hasOwnProperty`, ...). class-transformer skips a key whose name an object
 * already carries as a method, so the validation pipe dropped these silently, even from free-form payloads.
 */
export const RESERVED_KEYS: readonly string[] = [
  '__proto__',
  'constructor',
  'prototype',
  ...Object.getOwnPropertyNames(Object.prototype)
    .filter((k) => !['__proto__', 'constructor'].includes(k))
    .sort(),
];
const RESERVED = new Set(RESERVED_KEYS);

export interface InputProblem<Kind extends RefusedInputKind = InputProblemKind> {
  kind: Kind;
  /** keys and indexes from the root to the offending string, key or container */
  path: (string | number)[];
}

// Without the u flag a regular expression sees UTF-16 code units, so lone halves of a surrogate pair can be matched.
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');
const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;
const MAX_SHOWN_KEY = 40;
const MAX_SHOWN_PATH = 200;

/** What makes this text unstorable, or null when PostgreSQL can store it. */
export function textProblem(text: string): 'nul_character' | 'unpaired_surrogate' | null {
  const found = UNSTORABLE.exec(text);
  if (!found) return null;
  return found[0] === '\0' ? 'nul_character' : 'unpaired_surrogate';
}

/** The text with NUL characters and unpaired surrogates replaced by U+FFFD (the same text when there are none). */
export function storableText(text: string): string {
  return UNSTORABLE.test(text) ? text.replace(UNSTORABLE_ALL, '\uFFFD') : text;
}

interface Frame {
  value: object;
  depth: number;
  parent: Frame | null;
  key: string | number;
}

function pathTo(frame: Frame | null, last?: string | number): (string | number)[] {
  const path: (string | number)[] = last === undefined ? [] : [last];
  for (let f = frame; f?.parent; f = f.parent) path.unshift(f.key);
  return path;
}

/** What is wrong with a number: beyond double range always, a whole number beyond 2^53 - 1 in request input. */
function numberProblem(n: number, strict: boolean): 'number_out_of_range' | 'unsafe_integer' | null {
  if (!Number.isFinite(n)) return 'number_out_of_range';
  return strict && Number.isInteger(n) && !Number.isSafeInteger(n) ? 'unsafe_integer' : null;
}

/**
 * An unstorable string or key, or a container nested deeper than maxDepth, in a parsed JSON value (or a query or
 * params object), the first one the walk meets; null when there is none. Containers count from 1 at the root.
 */
export function findInputProblem(root: unknown, maxDepth = MAX_INPUT_DEPTH): InputProblem | null {
  // Without the request rules the walk finds only the storability kinds.
  return walk(root, maxDepth, false) as InputProblem | null;
}

/**
 * What request input is refused for: what findInputProblem finds, a key in RESERVED_KEYS, or a whole number beyond
 * 2^53 - 1 (whatever its notation: 12345678901234567890 and 1e21 alike), the first one the walk meets.
 */
export function findRefusedInput(root: unknown, maxDepth = MAX_INPUT_DEPTH): InputProblem<RefusedInputKind> | null {
  return walk(root, maxDepth, true);
}

function walk(root: unknown, maxDepth: number, strict: boolean): InputProblem<RefusedInputKind> | null {
  if (typeof root === 'string') {
    const kind = textProblem(root);
    return kind ? { kind, path: [] } : null;
  }
  if (typeof root === 'number') {
    const kind = numberProblem(root, strict);
    return kind ? { kind, path: [] } : null;
  }
  if (typeof root !== 'object' || root === null) return null;
  if (maxDepth < 1) return { kind: 'too_deep', path: [] };
  const stack: Frame[] = [{ value: root, depth: 1, parent: null, key: '' }];
  // One member of a container: its value is checked, or queued when it is a container itself.
  const visit = (frame: Frame, key: string | number, child: unknown): InputProblem<RefusedInputKind> | null => {
    if (typeof child === 'string') {
      const kind = textProblem(child);
      return kind ? { kind, path: pathTo(frame, key) } : null;
    }
    if (typeof child === 'number') {
      const kind = numberProblem(child, strict);
      return kind ? { kind, path: pathTo(frame, key) } : null;
    }
    if (typeof child === 'object' && child !== null) {
      if (frame.depth >= maxDepth) return { kind: 'too_deep', path: pathTo(frame, key) };
      stack.push({ value: child, depth: frame.depth + 1, parent: frame, key });
    }
    return null;
  };
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    const container = frame.value;
    if (Array.isArray(container)) {
      for (let i = 0; i < container.length; i += 1) {
        const problem = visit(frame, i, container[i]);
        if (problem) return problem;
      }
      continue;
    }
    for (const key of Object.keys(container)) {
      const kind = textProblem(key);
      if (kind) return { kind, path: pathTo(frame, key) };
      if (strict && RESERVED.has(key)) return { kind: 'reserved_key', path: pathTo(frame, key) };
      const problem = visit(frame, key, (container as Record<string, unknown>)[key]);
      if (problem) return problem;
    }
  }
  return null;
}

/**
 * `payload.items[2]["odd key"]`: a readable path, other keys quoted with NUL and lone surrogates escaped, shortened.
 */
export function formatInputPath(path: (string | number)[]): string {
  let text = '';
  for (const step of path) {
    if (typeof step === 'number') text += `[${step}]`;
    else if (PLAIN_KEY.test(step) && step.length <= MAX_SHOWN_KEY) text += text ? `.${step}` : step;
    else text += `[${JSON.stringify(step.length > MAX_SHOWN_KEY ? `${step.slice(0, MAX_SHOWN_KEY)}…` : step)}]`;
    if (text.length > MAX_SHOWN_PATH) return `${text.slice(0, MAX_SHOWN_PATH)}…`;
  }
  return text;
}
