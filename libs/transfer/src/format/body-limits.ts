// The first look at an import document, before anything expensive: its size and shape by one iterative walk (a
// document nested 100,000 deep must be refused, not overflow the stack of a recursive check, of Ajv or of the
// canonicaliser), its keys (no __proto__, constructor, prototype or other Object.prototype member, at any depth: the
// API's request hook refuses the same keys, so a file read by the CLI meets the same rule), and that it is JSON at
// all (a parsed body handed in by code could hold undefined, a Date, a bigint, Infinity).
import { RESERVED_KEYS, textProblem } from '@conduit/platform';
import { TransferException } from '../transfer.exception';
import {
  MAX_APPS,
  MAX_DOCUMENT_BYTES,
  MAX_DOCUMENT_DEPTH,
  MAX_DOCUMENT_VALUES,
  MAX_INSTANCES_PER_APP,
  MAX_ITEMS_PER_KIND,
  MAX_STRING_BYTES,
  MAX_TASKS_PER_APP,
} from './document-limits';
import { DocumentProblem, jsonPointer } from './document-problems';
import { RESOURCE_LISTS } from './transfer-document';

const RESERVED = new Set(RESERVED_KEYS);
const KINDS = new Set<string>(RESOURCE_LISTS);
const OPEN = 0x5b; // [
const OPEN_BRACE = 0x7b; // {
const CLOSE = 0x5d; // ]
const CLOSE_BRACE = 0x7d; // }
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * For a route that sees the raw text (or the CLI reading a file): the byte limit, and the nesting limit by a scan of
 * brackets outside strings, so JSON.parse never builds a 10 MB or 100,000-deep value. Throws document_too_large.
 */
export function assertBodyLimits(raw: string | Buffer): void {
  const bytes = typeof raw === 'string' ? Buffer.byteLength(raw, 'utf8') : raw.length;
  if (bytes > MAX_DOCUMENT_BYTES) {
    throw tooLarge([
      { field: '', code: 'too_many_bytes', message: `the document is ${bytes} bytes, over ${MAX_DOCUMENT_BYTES}` },
    ]);
  }
  // Bytes as latin1 characters: one per byte, and UTF-8 never uses an ASCII byte inside a multi-byte character.
  const text = typeof raw === 'string' ? raw : raw.toString('latin1');
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i += 1;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN || c === OPEN_BRACE) {
      depth += 1;
      if (depth > MAX_DOCUMENT_DEPTH) {
        throw tooLarge([
          {
            field: '',
            code: 'too_deep',
            message: `the document nests deeper than ${MAX_DOCUMENT_DEPTH} levels (at character ${i})`,
          },
        ]);
      }
    } else if (c === CLOSE || c === CLOSE_BRACE) {
      depth -= 1;
    }
  }
}

/** What the walk found, by class: the reader throws the first non-empty one in this order. */
export interface BodyProblems {
  notJson: DocumentProblem[];
  tooLarge: DocumentProblem[];
  forbidden: DocumentProblem[];
}

interface Frame {
  value: object;
  depth: number;
  parent: Frame | null;
  key: string | number;
}

function pathOf(frame: Frame | null, last?: string | number): (string | number)[] {
  const path: (string | number)[] = last === undefined ? [] : [last];
  for (let f = frame; f?.parent; f = f.parent) path.unshift(f.key);
  return path;
}

/** The item limit of the array in this frame, when it is one of the document's lists. */
function itemLimit(frame: Frame): { limit: number; what: string } | null {
  const parent = frame.parent;
  if (!parent) return null;
  if (!parent.parent) {
    if (frame.key === 'apps') return { limit: MAX_APPS, what: 'integrations' };
    if (frame.key === 'shared_instances') return { limit: MAX_ITEMS_PER_KIND, what: 'shared instances' };
    if (typeof frame.key === 'string' && KINDS.has(frame.key)) return { limit: MAX_ITEMS_PER_KIND, what: frame.key };
    return null;
  }
  const list = parent.parent;
  if (list.key !== 'apps' || !list.parent || list.parent.parent || !Array.isArray(list.value)) return null;
  if (frame.key === 'tasks') return { limit: MAX_TASKS_PER_APP, what: 'tasks' };
  if (frame.key === 'instances') return { limit: MAX_INSTANCES_PER_APP, what: 'instances' };
  return null;
}

// The characters JSON.stringify escapes (control characters are what this is about).
// eslint-disable-next-line no-control-regex
const ESCAPED = /["\\\u0000-\u001f]/;
// eslint-disable-next-line no-control-regex
const ESCAPED_ALL = /["\\\u0000-\u001f]/g;
const SHORT_ESCAPES = new Set(['"', '\\', '\b', '\f', '\n', '\r', '\t']);

/** Bytes of the string as compact JSON writes it: UTF-8, quotes, and escapes (\n is 2 bytes, \u0001 is 6). */
function jsonStringBytes(text: string, utf8Bytes: number): number {
  let bytes = utf8Bytes + 2;
  if (ESCAPED.test(text)) for (const m of text.matchAll(ESCAPED_ALL)) bytes += SHORT_ESCAPES.has(m[0]) ? 1 : 5;
  return bytes;
}

function isPlainContainer(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Walks a parsed document once, without recursion, counting its compact JSON size and its values as it goes, and
 * stops early when either is over its limit (what is left cannot make it acceptable).
 */
export function walkDocument(root: object): BodyProblems {
  const found: BodyProblems = { notJson: [], tooLarge: [], forbidden: [] };
  let bytes = 0;
  let values = 1;
  const stack: Frame[] = [{ value: root, depth: 1, parent: null, key: '' }];
  const within = (): boolean => bytes <= MAX_DOCUMENT_BYTES && values <= MAX_DOCUMENT_VALUES;

  const scalar = (frame: Frame, key: string | number, value: unknown): void => {
    switch (typeof value) {
      case 'string': {
        const utf8 = Buffer.byteLength(value, 'utf8');
        bytes += jsonStringBytes(value, utf8);
        if (utf8 > MAX_STRING_BYTES) {
          const field = jsonPointer(pathOf(frame, key));
          found.tooLarge.push({
            field,
            code: 'string_too_long',
            message: `a string of ${utf8} bytes, over ${MAX_STRING_BYTES}`,
          });
        }
        const kind = textProblem(value);
        if (kind) found.notJson.push({ field: jsonPointer(pathOf(frame, key)), code: kind, message: unstorable(kind) });
        return;
      }
      case 'number':
        if (!Number.isFinite(value)) {
          found.notJson.push({
            field: jsonPointer(pathOf(frame, key)),
            code: 'not_json',
            message: `${value} is not a JSON number`,
          });
        } else if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
          const message = 'a whole number beyond 2^53 - 1 (JSON.parse has already rounded it)';
          found.notJson.push({ field: jsonPointer(pathOf(frame, key)), code: 'unsafe_integer', message });
        } else {
          bytes += String(value).length;
        }
        return;
      case 'boolean':
        bytes += value ? 4 : 5;
        return;
      default:
        found.notJson.push({
          field: jsonPointer(pathOf(frame, key)),
          code: 'not_json',
          message: `a ${typeof value} is not a JSON value`,
        });
    }
  };

  const member = (frame: Frame, key: string | number, value: unknown): void => {
    values += 1;
    if (value === null) {
      bytes += 4;
    } else if (typeof value !== 'object') {
      scalar(frame, key, value);
    } else if (!isPlainContainer(value)) {
      const name = (value.constructor as { name?: unknown } | undefined)?.name;
      const message = `${typeof name === 'string' ? name : 'this object'} is not a JSON value`;
      found.notJson.push({ field: jsonPointer(pathOf(frame, key)), code: 'not_json', message });
    } else if (frame.depth >= MAX_DOCUMENT_DEPTH) {
      bytes += 2;
      const message = `nested deeper than ${MAX_DOCUMENT_DEPTH} levels`;
      found.tooLarge.push({ field: jsonPointer(pathOf(frame, key)), code: 'too_deep', message });
    } else {
      stack.push({ value, depth: frame.depth + 1, parent: frame, key });
    }
  };

  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    const container = frame.value;
    if (Array.isArray(container)) {
      bytes += 2 + Math.max(0, container.length - 1);
      const limit = itemLimit(frame);
      if (limit && container.length > limit.limit) {
        const message = `${container.length} ${limit.what}, over ${limit.limit}`;
        found.tooLarge.push({ field: jsonPointer(pathOf(frame)), code: 'too_many_items', message });
      }
      // Holes are undefined, not JSON; an index loop sees them where forEach would skip them.
      for (let i = 0; i < container.length && within(); i += 1) member(frame, i, container[i]);
    } else {
      const keys = Object.keys(container);
      bytes += 2 + Math.max(0, keys.length - 1);
      for (const key of keys) {
        if (!within()) break;
        const utf8 = Buffer.byteLength(key, 'utf8');
        bytes += jsonStringBytes(key, utf8) + 1;
        if (RESERVED.has(key)) {
          const message = `"${key}" is not accepted as a key (a prototype pollution hazard for whoever merges the data)`;
          found.forbidden.push({ field: jsonPointer(pathOf(frame, key)), code: 'forbidden_key', message });
        }
        if (utf8 > MAX_STRING_BYTES) {
          const field = jsonPointer(pathOf(frame, key));
          found.tooLarge.push({
            field,
            code: 'string_too_long',
            message: `a key of ${utf8} bytes, over ${MAX_STRING_BYTES}`,
          });
        }
        const kind = textProblem(key);
        if (kind) found.notJson.push({ field: jsonPointer(pathOf(frame, key)), code: kind, message: unstorable(kind) });
        member(frame, key, (container as Record<string, unknown>)[key]);
      }
    }
    if (bytes > MAX_DOCUMENT_BYTES) {
      const message = `the document is over ${MAX_DOCUMENT_BYTES} bytes as compact JSON`;
      found.tooLarge.push({ field: '', code: 'too_many_bytes', message });
      break;
    }
    if (values > MAX_DOCUMENT_VALUES) {
      const message = `the document holds over ${MAX_DOCUMENT_VALUES} values`;
      found.tooLarge.push({ field: '', code: 'too_many_values', message });
      break;
    }
  }
  return found;
}

function unstorable(kind: 'nul_character' | 'unpaired_surrogate'): string {
  return kind === 'nul_character'
    ? 'text holds a NUL character (U+0000), which PostgreSQL cannot store'
    : 'text holds an unpaired UTF-16 surrogate, which is not Unicode text';
}

export function tooLarge(details: DocumentProblem[]): TransferException {
  return new TransferException('document_too_large', 'the document is over the size or shape limits', details);
}
