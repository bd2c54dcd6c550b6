// The HTTP call a task makes, checked before it is saved: a method, a path under the instance's base URL (never
// another host, never above it), query and header values as template strings, and a JSON body whose strings may
// hold templates. Values substituted into the path at run time must be percent-encoded by the runner: a template
// cannot smuggle `..` or `?` in, since the checks here see only the literal text around templates.
import { MAX_CUSTOM_HEADERS, MAX_HEADER_VALUE_LENGTH, isHeaderText } from '@conduit/outbound-http';
import { HTTP_METHODS, TASK_LIMITS } from './task-definition';
import { TemplateNames, TemplateReference, scanTemplates, unknownReferences } from './template-references';
import { TaskDefinitionErrors, fieldPath, isPlainObject, typeName } from './verification';

/** RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
/** Framing and hop-by-hop headers: the HTTP client sets them, a task may not. */
const FORBIDDEN_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-connection',
]);
const MAX_QUERY_PARAMETERS = 100;

/** Checks `request` (at field `request`); adds its errors and returns its template references. */
export function checkRequest(
  request: unknown,
  names: TemplateNames,
  errors: TaskDefinitionErrors,
): TemplateReference[] {
  if (request === undefined || request === null) {
    errors.add('request', 'required', 'request is required: { method, path, query?, headers?, body? }');
    return [];
  }
  if (!isPlainObject(request)) {
    errors.add('request', 'invalid_type', `request must be an object, not ${typeName(request)}`);
    return [];
  }
  checkMethod(request.method, errors);
  checkPath(request.path, errors);
  checkStringRecord(request.query, 'request.query', MAX_QUERY_PARAMETERS, errors);
  checkHeaders(request.headers, errors);

  const references: TemplateReference[] = [];
  for (const part of ['path', 'query', 'headers', 'body'] as const) {
    const value = request[part];
    if (value === undefined) continue;
    if (part === 'path' ? typeof value !== 'string' : part !== 'body' && !isPlainObject(value)) continue;
    const scan = scanTemplates(value, `request.${part}`);
    errors.addAll(scan.errors);
    errors.addAll(unknownReferences(scan.references, names));
    references.push(...scan.references);
  }
  return references;
}

function checkMethod(method: unknown, errors: TaskDefinitionErrors): void {
  if (method === undefined || method === null || method === '') {
    errors.add('request.method', 'required', `request.method is required: one of ${HTTP_METHODS.join(', ')}`);
  } else if (typeof method !== 'string') {
    errors.add('request.method', 'invalid_type', `request.method must be a string, not ${typeName(method)}`);
  } else if (!(HTTP_METHODS as readonly string[]).includes(method)) {
    errors.add('request.method', 'invalid_value', `request.method must be one of ${HTTP_METHODS.join(', ')}`);
  }
}

function checkPath(path: unknown, errors: TaskDefinitionErrors): void {
  const field = 'request.path';
  if (path === undefined || path === null || path === '') {
    errors.add(field, 'required', 'request.path is required, e.g. /api/v1/alerts');
    return;
  }
  if (typeof path !== 'string') {
    errors.add(field, 'invalid_type', `request.path must be a string, not ${typeName(path)}`);
    return;
  }
  if (path.length > TASK_LIMITS.pathLength) {
    errors.add(field, 'too_long', `request.path is longer than ${TASK_LIMITS.pathLength} characters`);
    return;
  }
  const problem = requestPathProblem(path);
  if (problem) errors.add(field, 'invalid_request_path', `request.path ${problem}`);
}

/**
 * Why a request path cannot be used, or null. It is relative to the instance's base URL: it starts with one `/`,
 * names no scheme or host, has no `.` or `..` segment (also percent-encoded), no `\`, no query or fragment (the
 * query goes in request.query), and no whitespace or control characters. Template text is ignored.
 */
export function requestPathProblem(path: string): string | null {
  const literal = path.replace(/\{\{[\s\S]*?\}\}/g, 'x');
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(literal)) return 'must be a path, not a URL (the instance gives the host)';
  if (!literal.startsWith('/')) return 'must start with /';
  if (literal.startsWith('//')) return 'must not start with // (that names a host)';
  if (literal.includes('\\')) return 'must not contain \\';
  if ([...literal].some((ch) => ch <= ' ' || ch === '\x7f' || /\s/.test(ch)))
    return 'must not contain whitespace or control characters';
  if (/[?#]/.test(literal)) return 'must not contain ? or # (put parameters in request.query)';
  for (const segment of literal.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return `has a malformed percent-encoding in "${segment}"`;
    }
    if (decoded === '.' || decoded === '..') return 'must not contain . or .. segments';
  }
  return null;
}

function checkStringRecord(value: unknown, field: string, max: number, errors: TaskDefinitionErrors): void {
  if (value === undefined || value === null) return;
  if (!isPlainObject(value)) {
    errors.add(field, 'invalid_type', `${field} must be an object of strings, not ${typeName(value)}`);
    return;
  }
  const entries = Object.entries(value);
  if (entries.length > max) errors.add(field, 'out_of_range', `${field} has more than ${max} entries`);
  for (const [key, v] of entries) {
    if (key === '') errors.add(field, 'invalid_value', `${field} has an empty name`);
    if (typeof v !== 'string') {
      errors.add(
        fieldPath(field, key),
        'invalid_type',
        `${fieldPath(field, key)} must be a string, not ${typeName(v)}`,
      );
    }
  }
}

function checkHeaders(headers: unknown, errors: TaskDefinitionErrors): void {
  checkStringRecord(headers, 'request.headers', MAX_CUSTOM_HEADERS, errors);
  if (!isPlainObject(headers)) return;
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(headers)) {
    const field = fieldPath('request.headers', name);
    const lower = name.toLowerCase();
    if (!HEADER_NAME.test(name)) {
      errors.add(field, 'invalid_header_name', `"${name}" is not a header name (token characters, at most 100)`);
    } else if (FORBIDDEN_HEADERS.has(lower)) {
      errors.add(field, 'forbidden_header', `${name} is set by the HTTP client; a task may not set it`);
    } else if (seen.has(lower)) {
      errors.add(field, 'duplicate_name', `${name} is given twice (header names are case-insensitive)`);
    }
    seen.add(lower);
    if (typeof value === 'string') {
      const literal = value.replace(/\{\{[\s\S]*?\}\}/g, '');
      if (!isHeaderText(literal) || value.length > MAX_HEADER_VALUE_LENGTH) {
        errors.add(
          field,
          'invalid_value',
          `${name}: a header value is printable ASCII or tab, up to ${MAX_HEADER_VALUE_LENGTH} characters`,
        );
      }
    }
  }
}
