// SCIM filters (RFC 7644 section 3.4.2.2) as SQL: scim2-parse-filter reads the grammar, this turns its tree into a
// WHERE clause over the columns a resource type declares, every value a bind parameter. An attribute or operator a
// resource type does not declare is 400 invalidFilter.
import { Filter, parse } from 'scim2-parse-filter';
import { ScimError } from './scim-error';

export type FilterAttribute =
  /** A text column; caseExact compares as sent, otherwise case-insensitively (userName, emails). */
  | { kind: 'string'; sql: string; caseExact?: boolean }
  /** A multi-valued text attribute: `values` is a subquery yielding one text column of its values. */
  | { kind: 'multi'; values: string; caseExact?: boolean }
  | { kind: 'boolean'; sql: string }
  | { kind: 'datetime'; sql: string };

/** Lower-cased attribute paths (`emails.value`, `name.givenname`) to their columns. */
export type FilterAttributes = Record<string, FilterAttribute>;

const CORE_SCHEMA = /^urn:ietf:params:scim:schemas:core:2\.0:(User|Group):/i;
const MAX_FILTER_LENGTH = 2000;
const MAX_DEPTH = 20;

const STRING_OPS: Record<string, string> = { eq: '=', ne: '<>', gt: '>', ge: '>=', lt: '<', le: '<=' };

function invalid(detail: string): ScimError {
  return ScimError.badRequest('invalidFilter', detail);
}

function likePattern(value: string, op: 'co' | 'sw' | 'ew'): string {
  const escaped = value.replace(/[\\%_]/g, (c) => `\\${c}`);
  return op === 'co' ? `%${escaped}%` : op === 'sw' ? `${escaped}%` : `%${escaped}`;
}

class SqlFilter {
  constructor(
    private readonly attributes: FilterAttributes,
    private readonly params: unknown[],
  ) {}

  private bind(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  private attribute(path: string): FilterAttribute {
    const key = path.replace(CORE_SCHEMA, '').toLowerCase();
    const found = Object.prototype.hasOwnProperty.call(this.attributes, key) ? this.attributes[key] : undefined;
    if (!found) throw invalid(`Filtering on "${path.slice(0, 100)}" is not supported`);
    return found;
  }

  sql(filter: Filter, depth = 0, prefix = ''): string {
    if (depth > MAX_DEPTH) throw invalid('The filter is nested too deeply');
    switch (filter.op) {
      case 'and':
      case 'or':
        return `(${filter.filters.map((f) => this.sql(f, depth + 1, prefix)).join(` ${filter.op.toUpperCase()} `)})`;
      case 'not':
        return `(NOT ${this.sql(filter.filter, depth + 1, prefix)})`;
      case '[]':
        // emails[type eq "work" and value eq "x"], members[value eq "id"]: each inner test on that attribute's values.
        if (prefix) throw invalid('Nested value filters are not supported');
        return this.sql(filter.valFilter, depth + 1, `${filter.attrPath}.`);
      case 'pr':
        return this.present(this.attribute(prefix + filter.attrPath));
      default:
        return this.compare(this.attribute(prefix + filter.attrPath), filter.op, filter.compValue, filter.attrPath);
    }
  }

  private present(attr: FilterAttribute): string {
    switch (attr.kind) {
      case 'multi':
        return `EXISTS (SELECT 1 FROM (${attr.values}) AS mv(v) WHERE mv.v IS NOT NULL AND mv.v <> '')`;
      case 'string':
        return `(${attr.sql} IS NOT NULL AND ${attr.sql} <> '')`;
      case 'boolean':
      case 'datetime':
        return `(${attr.sql} IS NOT NULL)`;
    }
  }

  private compare(attr: FilterAttribute, op: string, value: unknown, path: string): string {
    switch (attr.kind) {
      case 'boolean': {
        if (typeof value !== 'boolean' || (op !== 'eq' && op !== 'ne'))
          throw invalid(`${path} compares only with eq or ne and true or false`);
        return `(${attr.sql} ${op === 'eq' ? '=' : '<>'} ${this.bind(value)}::boolean)`;
      }
      case 'datetime': {
        const at = typeof value === 'string' ? Date.parse(value) : NaN;
        if (!(op in STRING_OPS) || op === 'ne' || Number.isNaN(at))
          throw invalid(`${path} compares with eq, gt, ge, lt or le and an ISO 8601 date`);
        return `(${attr.sql} ${STRING_OPS[op]} ${this.bind(new Date(at).toISOString())}::timestamptz)`;
      }
      case 'string':
        return this.text(attr.sql, attr.caseExact === true, op, value, path);
      case 'multi':
        return `EXISTS (SELECT 1 FROM (${attr.values}) AS mv(v) WHERE ${this.text('mv.v', attr.caseExact === true, op, value, path)})`;
    }
  }

  private text(column: string, caseExact: boolean, op: string, value: unknown, path: string): string {
    if (typeof value !== 'string') throw invalid(`${path} compares with a string`);
    const left = caseExact ? column : `lower(${column})`;
    const bound = this.bind(caseExact ? value : value.toLowerCase());
    if (op === 'co' || op === 'sw' || op === 'ew') {
      this.params[this.params.length - 1] = likePattern(caseExact ? value : value.toLowerCase(), op);
      return `(${left} LIKE ${bound} ESCAPE '\\')`;
    }
    const sqlOp = STRING_OPS[op];
    if (!sqlOp) throw invalid(`Operator ${op} is not supported`);
    // ne also matches a missing value, as RFC 7644 reads it.
    return op === 'ne' ? `(${left} IS DISTINCT FROM ${bound})` : `(${left} ${sqlOp} ${bound})`;
  }
}

/** Parses a filter string; 400 invalidFilter when it does not parse. */
export function parseFilter(filter: string): Filter {
  if (filter.length > MAX_FILTER_LENGTH) throw invalid(`The filter is longer than ${MAX_FILTER_LENGTH} characters`);
  try {
    return parse(filter);
  } catch (err) {
    throw invalid(`The filter does not parse: ${err instanceof Error ? err.message.slice(0, 200) : 'syntax error'}`);
  }
}

/** The WHERE clause of a filter; its values are appended to params ($n continues from params.length). */
export function filterToSql(filter: string, attributes: FilterAttributes, params: unknown[]): string {
  return new SqlFilter(attributes, params).sql(parseFilter(filter));
}
