// Reads every operation out of the served OpenAPI document and builds a plausible, valid-looking value for a schema
// (its example, first enum value, or a value of its type), which the generator then mutates.

export interface JsonSchema {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  example?: unknown;
  default?: unknown;
  nullable?: boolean;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  allOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
}

interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}

interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { content: Record<string, { schema?: JsonSchema }> };
  security?: Record<string, string[]>[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export interface FuzzOperation {
  method: string;
  /** The path template, `{id}` style. */
  path: string;
  pathParams: string[];
  query: { name: string; schema: JsonSchema }[];
  headers: string[];
  /** The resolved JSON body schema, when the operation takes a body. */
  body: JsonSchema | undefined;
  contentTypes: string[];
  /** false for public routes (login, receive endpoints, health). */
  authenticated: boolean;
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

export function resolveSchema(doc: OpenApiDocument, schema: JsonSchema | undefined): JsonSchema | undefined {
  if (!schema) return undefined;
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return resolveSchema(doc, doc.components?.schemas?.[name]);
  }
  if (schema.allOf?.length === 1) return { ...resolveSchema(doc, schema.allOf[0]), ...schema, allOf: undefined };
  return schema;
}

export function listOperations(doc: OpenApiDocument): FuzzOperation[] {
  const operations: FuzzOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      const params = op.parameters ?? [];
      const content = op.requestBody?.content ?? {};
      const contentTypes = Object.keys(content);
      operations.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        query: params
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, schema: resolveSchema(doc, p.schema) ?? {} })),
        headers: params.filter((p) => p.in === 'header').map((p) => p.name),
        body: resolveSchema(doc, content['application/json']?.schema),
        contentTypes,
        authenticated: (op.security ?? []).length > 0,
      });
    }
  }
  return operations;
}

/** Real ids by what they name, so a valid-looking body can point at things that exist. */
export type IdsByKind = Record<string, string[]>;

/** The id kind a field or parameter name points at (`webhook_id` is a subscription), or undefined. */
export function idKindOfName(name: string): string | undefined {
  const kinds: Record<string, string> = {
    webhook_id: 'subscriptions',
    subscription_id: 'subscriptions',
    source_id: 'sources',
    chain_id: 'chains',
    event_id: 'events',
    parent_id: 'tenants',
    tenant_id: 'tenants',
    actor_id: 'users',
    target_id: 'users',
  };
  return kinds[name];
}

/**
 * A valid-looking value for `schema`; `name` is the field's name (for ids and time windows); `examples` replace a
 * component's own example where that one is not valid alone (a chain step reading a step before it). Deterministic.
 */
export function plausibleValue(
  doc: OpenApiDocument,
  raw: JsonSchema | undefined,
  ids: IdsByKind,
  name = '',
  depth = 0,
  examples: Record<string, unknown> = {},
): unknown {
  const component = raw?.$ref?.replace('#/components/schemas/', '');
  if (component && examples[component] !== undefined) return structuredClone(examples[component]);
  const schema = resolveSchema(doc, raw) ?? {};
  const kind = idKindOfName(name);
  if (kind && ids[kind]?.length) return ids[kind][0];
  if (schema.example !== undefined) return structuredClone(schema.example);
  if (schema.enum?.length) return schema.enum[0];
  if (schema.default !== undefined) return structuredClone(schema.default);
  if (schema.format === 'uuid') return ids.any?.[0] ?? '0193a6b2-7c1d-7e4f-9a55-3b2f6c1d2e3f';
  // A window that ends in the past and starts before it ends.
  if (schema.format === 'date-time')
    return new Date(Date.now() - (name === 'until' ? 60_000 : 86_400_000)).toISOString();
  switch (schema.type) {
    case 'string':
      if (name.endsWith('url')) return 'https://hooks.example.com/fuzz';
      return name ? `fuzz-${name.replace(/_/g, '-')}` : 'fuzz';
    case 'number':
    case 'integer':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return depth > 4 ? [] : [plausibleValue(doc, schema.items, ids, '', depth + 1, examples)];
    case 'object':
    case undefined: {
      if (!schema.properties) return {};
      const value: Record<string, unknown> = {};
      for (const [key, prop] of Object.entries(schema.properties))
        value[key] = plausibleValue(doc, prop, ids, key, depth + 1, examples);
      return value;
    }
    default:
      return null;
  }
}
