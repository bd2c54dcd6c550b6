// The document against TRANSFER_SCHEMA (Ajv, every error, compiled once at the first import), then what a JSON
// Schema cannot say: names that must be unique because the import matches by them (integration titles in the
// tenant, task tags and instance titles in their integration, as the tables' unique indexes have it).
import { Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { DocumentProblem } from './document-problems';
import { TRANSFER_SCHEMA } from './transfer-schema';
import { TransferDocument } from './transfer-document';

let compiled: ValidateFunction | null = null;

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, unicodeRegExp: true, validateFormats: true });
    addFormats(ajv, ['date-time']);
    compiled = ajv.compile(TRANSFER_SCHEMA);
  }
  return compiled;
}

const CODES: Record<string, string> = {
  required: 'required',
  type: 'invalid_type',
  const: 'invalid_value',
  enum: 'not_an_option',
  minimum: 'out_of_range',
  pattern: 'pattern_mismatch',
  minLength: 'invalid_length',
  maxLength: 'invalid_length',
  maxItems: 'too_many_items',
  format: 'invalid_format',
  additionalProperties: 'unknown_field',
};

function problemOf(e: ErrorObject): DocumentProblem {
  const params = e.params as { missingProperty?: string; additionalProperty?: string };
  const member = params.missingProperty ?? params.additionalProperty;
  const field =
    member === undefined ? e.instancePath : `${e.instancePath}/${member.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  const code = CODES[e.keyword] ?? 'invalid_value';
  const message =
    e.keyword === 'additionalProperties'
      ? `${field}: not a member of the format`
      : `${field || 'the document'}: ${e.message ?? 'invalid value'}`;
  return { field, code, message };
}

/** Every schema problem of the (upgraded) document; empty when it is valid. */
export function schemaProblems(document: unknown): DocumentProblem[] {
  const validate = validator();
  if (validate(document)) return [];
  return (validate.errors ?? []).map(problemOf);
}

/** Duplicate names in a document that passed the schema. */
export function duplicateProblems(document: TransferDocument): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  const duplicates = (names: string[], where: (i: number) => string, what: string, fold: boolean): void => {
    const seen = new Map<string, number>();
    names.forEach((name, i) => {
      const key = fold ? name.trim().toLowerCase() : name;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, i);
      else
        problems.push({ field: where(i), code: 'duplicate', message: `${what} "${name}" is also at ${where(first)}` });
    });
  };
  duplicates(
    document.apps.map((a) => a.integration.title),
    (i) => `/apps/${i}/integration/title`,
    'the integration title',
    true,
  );
  document.apps.forEach((app, a) => {
    duplicates(
      app.tasks.map((t) => t.task_tag),
      (i) => `/apps/${a}/tasks/${i}/task_tag`,
      'the task tag',
      false,
    );
    duplicates(
      app.instances.map((t) => t.title),
      (i) => `/apps/${a}/instances/${i}/title`,
      'the instance title',
      true,
    );
  });
  return problems;
}
