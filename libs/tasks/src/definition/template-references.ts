// `{{input.x}}`, `{{instance.x}}`, `{{credentials.x}}` and `{{deps.<task_tag>.x}}` in a task's request. Strings
// are split into text and templates by the chains' template parser, so a task's request renders later with the same
// renderer (CEL, with credentials as slots filled after evaluation). Tasks allow only plain references, no
// expressions: a reference is a root, then `.name`, `["name"]` or `[0]` steps; its first step names the input field,
// instance field, credential or dependency (a task of depends_on, whose output field the next step names).
// Each reference must also parse as CEL (the renderer's language), which refuses reserved words after a dot.
import {
  ExpressionError,
  UnclosedTemplateError,
  compileExpression,
  normalizeExpression,
  templateParts,
} from '@conduit/chains/templates';
import { TaskDefinitionError, fieldPath, isPlainObject } from './verification';

export const TEMPLATE_ROOTS = ['input', 'instance', 'credentials', 'deps'] as const;
export type TemplateRoot = (typeof TEMPLATE_ROOTS)[number];

export interface TemplateReference {
  /** Where the string holding it is, e.g. `items[0].sku` inside the scanned value (prefixed by the base given). */
  field: string;
  root: TemplateRoot;
  /** The first step after the root: the field, credential or (deps) dependency's task_tag it names. */
  name: string;
  /** Every step after the root (`input.a.b` gives ['a', 'b']; indexes as numbers). */
  steps: (string | number)[];
  /** The template's text between the braces, trimmed. */
  expression: string;
}

export interface TemplateScan {
  references: TemplateReference[];
  errors: TaskDefinitionError[];
}

/** The names each root may reference. */
export interface TemplateNames {
  input: ReadonlySet<string>;
  instance: ReadonlySet<string>;
  credentials: ReadonlySet<string>;
  /** The task tags of depends_on: what `{{deps.<tag>.<output>}}` may read. */
  deps: ReadonlySet<string>;
}

const REFERENCE_HELP =
  'use {{input.<field>}}, {{instance.<field>}}, {{credentials.<name>}} or {{deps.<task_tag>.<output field>}}';
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*/;
const STEP = /^(?:\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)|\s*\[\s*(?:"([^"\\]*)"|'([^'\\]*)'|(0|[1-9][0-9]{0,8}))\s*\])/;

/** Every well-formed reference in a JSON value (strings anywhere inside), in document order. */
export function templateReferences(value: unknown, base = ''): TemplateReference[] {
  return scanTemplates(value, base).references;
}

/** References and problems of a value: invalid_template, unknown_reference (another root), out_of_range (depth). */
export function scanTemplates(value: unknown, base = ''): TemplateScan {
  const scan: TemplateScan = { references: [], errors: [] };
  walk(value, base, scan, 0);
  return scan;
}

/**
 * unknown_reference for each reference whose first step names no input field, instance field or credential, or
 * (deps) a task that is not in depends_on.
 */
export function unknownReferences(
  references: readonly TemplateReference[],
  names: TemplateNames,
): TaskDefinitionError[] {
  return references
    .filter((ref) => !names[ref.root].has(ref.name))
    .map((ref) => ({
      field: ref.field,
      code: 'unknown_reference' as const,
      message: `{{${ref.expression}}}: ${unknownName(ref)}${known(names[ref.root])}`,
    }));
}

function unknownName(ref: TemplateReference): string {
  if (ref.root === 'deps') return `"${ref.name}" is not in the task's depends_on`;
  return `${describeRoot(ref.root)} has no ${ref.root === 'credentials' ? 'credential' : 'field'} named "${ref.name}"`;
}

const MAX_DEPTH = 64;

function walk(value: unknown, field: string, scan: TemplateScan, depth: number): void {
  if (depth > MAX_DEPTH) {
    // Refused rather than skipped: templates below would go unchecked. Reported once per scanned value.
    if (!scan.errors.some((e) => e.code === 'out_of_range')) {
      scan.errors.push({ field, code: 'out_of_range', message: `nested deeper than ${MAX_DEPTH} levels` });
    }
    return;
  }
  if (typeof value === 'string') return scanString(value, field, scan);
  if (Array.isArray(value)) return value.forEach((v, i) => walk(v, fieldPath(field, i), scan, depth + 1));
  if (!isPlainObject(value)) return;
  for (const [key, v] of Object.entries(value)) {
    const at = fieldPath(field, key);
    if (key.includes('{{') || key.includes('}}')) {
      scan.errors.push({
        field: at,
        code: 'invalid_template',
        message: 'templates are rendered in values only, not in keys',
      });
    }
    walk(v, at, scan, depth + 1);
  }
}

function scanString(text: string, field: string, scan: TemplateScan): void {
  if (!text.includes('{{') && !text.includes('}}')) return;
  let parts: ReturnType<typeof templateParts>;
  try {
    parts = templateParts(text, field);
  } catch (err) {
    if (!(err instanceof UnclosedTemplateError)) throw err;
    scan.errors.push({ field, code: 'invalid_template', message: '"{{" has no matching "}}"' });
    return;
  }
  if (parts.texts.some((t) => t.includes('}}'))) {
    scan.errors.push({ field, code: 'invalid_template', message: '"}}" has no matching "{{"' });
  }
  for (const raw of parts.expressions) {
    const reference = parseReference(raw, field);
    if ('code' in reference) scan.errors.push(reference);
    else scan.references.push(reference);
  }
}

function parseReference(raw: string, field: string): TemplateReference | TaskDefinitionError {
  const expression = normalizeExpression(raw);
  const invalid = (why: string): TaskDefinitionError => ({
    field,
    code: 'invalid_template',
    message: `{{${expression}}}: ${why}; ${REFERENCE_HELP}`,
  });
  if (expression === '') return invalid('empty template');
  if (expression.includes('{{')) return invalid('templates cannot be nested');
  const root = IDENTIFIER.exec(expression)?.[0];
  if (root === undefined) return invalid('not a reference');
  const steps: (string | number)[] = [];
  let rest = expression.slice(root.length);
  while (rest.trim() !== '') {
    const step = STEP.exec(rest);
    if (!step) return invalid('not a reference (expressions are not allowed in task templates)');
    const [whole, dotted, double, single, index] = step;
    steps.push(index !== undefined ? Number(index) : (dotted ?? double ?? single ?? ''));
    rest = rest.slice(whole.length);
  }
  if (!isRoot(root)) {
    return {
      field,
      code: 'unknown_reference',
      message: `{{${expression}}}: "${root}" is not a reference root; ${REFERENCE_HELP}`,
    };
  }
  const name = steps[0];
  if (typeof name !== 'string' || name === '') return invalid(`${root} must be followed by a name`);
  if (root === 'credentials' && steps.length > 1)
    return invalid('a credential is a single value: {{credentials.<name>}}');
  if (root === 'deps' && typeof steps[1] !== 'string')
    return invalid("a dependency's output is read as {{deps.<task_tag>.<output field>}}");
  // The renderer parses it as CEL: a reserved word after a dot (input.in, input.null) must be written input["in"].
  try {
    compileExpression(expression);
  } catch (err) {
    if (!(err instanceof ExpressionError)) throw err;
    return invalid(`${err.message} (write a name that is a CEL reserved word as ${root}["name"])`);
  }
  return { field, root, name, steps, expression };
}

function isRoot(name: string): name is TemplateRoot {
  return (TEMPLATE_ROOTS as readonly string[]).includes(name);
}

function describeRoot(root: TemplateRoot): string {
  switch (root) {
    case 'input':
      return 'the task';
    case 'instance':
      return 'the integration';
    case 'credentials':
      return 'the instance';
    case 'deps':
      return "the task's depends_on";
  }
}

function known(names: ReadonlySet<string>): string {
  if (names.size === 0) return ' (none defined)';
  const shown = [...names].slice(0, 20);
  return ` (known: ${shown.join(', ')}${names.size > shown.length ? ', ...' : ''})`;
}
