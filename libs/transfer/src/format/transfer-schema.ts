// The JSON Schema (draft 2020-12) of the export format: published at GET /api/v1/transfer/schema and checked on every
// import (read-document.ts) once the document is upgraded to TRANSFER_VERSION. The envelope is closed (an unknown
// member is a mistake or a newer format), but each resource body stays open: it is the body of its domain's create
// route, and that domain validates it when the import replays the creation, so the rules are not written twice.
import { MAX_LOGO_BYTES } from '@conduit/integrations';
import { TASK_LIMITS, TASK_TAG_PATTERN } from '@conduit/tasks';
import { MAX_APPS, MAX_INSTANCES_PER_APP, MAX_ITEMS_PER_KIND, MAX_TASKS_PER_APP } from './document-limits';
import { RESOURCE_LISTS, TRANSFER_FORMAT } from './transfer-document';

/** What a logo may be (the integrations domain recognises the bytes again on import: libs/integrations/src/logos). */
export const LOGO_CONTENT_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/svg+xml'] as const;
/** Base64 of the largest logo the integrations domain accepts. */
const MAX_LOGO_BASE64 = Math.ceil(MAX_LOGO_BYTES / 3) * 4;
/** Integration titles: the integrations domain's limit. */
const MAX_TITLE_LENGTH = 200;

const named = (key: string, maxLength?: number): Record<string, unknown> => ({
  type: 'object',
  required: [key],
  properties: { [key]: { type: 'string', minLength: 1, ...(maxLength === undefined ? {} : { maxLength }) } },
  additionalProperties: true,
});

const kindList = {
  type: 'array',
  maxItems: MAX_ITEMS_PER_KIND,
  items: { $ref: '#/$defs/named_resource' },
};

export const TRANSFER_SCHEMA: Record<string, unknown> = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://conduit.dev/schemas/conduit.export.json',
  title: TRANSFER_FORMAT,
  description:
    'A Conduit configuration export (docs/transfer.md). Resource bodies are their create routes\u2019 bodies, ' +
    'references by name; checksum.value is the SHA-256 (hex) of the RFC 8785 canonical JSON of the document ' +
    'without its checksum member.',
  type: 'object',
  required: ['format', 'version', 'exported_at', 'source', 'apps', 'checksum'],
  additionalProperties: false,
  properties: {
    format: { const: TRANSFER_FORMAT },
    version: { type: 'integer', minimum: 1 },
    exported_at: { type: 'string', format: 'date-time' },
    source: {
      type: 'object',
      required: ['installation', 'tenant_code'],
      additionalProperties: false,
      properties: { installation: { type: 'string' }, tenant_code: { type: 'string' } },
    },
    apps: { type: 'array', maxItems: MAX_APPS, items: { $ref: '#/$defs/app' } },
    shared_instances: {
      type: 'array',
      maxItems: MAX_ITEMS_PER_KIND,
      items: {
        type: 'object',
        required: ['integration', 'title'],
        properties: {
          integration: { type: 'string', minLength: 1, maxLength: MAX_TITLE_LENGTH },
          title: { type: 'string', minLength: 1 },
        },
        additionalProperties: true,
      },
    },
    ...Object.fromEntries(RESOURCE_LISTS.map((kind) => [kind, kindList])),
    checksum: {
      type: 'object',
      required: ['algorithm', 'value'],
      additionalProperties: false,
      properties: {
        algorithm: { const: 'sha256' },
        value: { type: 'string', pattern: '^[0-9a-f]{64}$' },
      },
    },
  },
  $defs: {
    app: {
      type: 'object',
      required: ['integration', 'logo', 'tasks', 'instances'],
      additionalProperties: false,
      properties: {
        integration: named('title', MAX_TITLE_LENGTH),
        logo: {
          oneOf: [
            { type: 'null' },
            {
              type: 'object',
              required: ['content_type', 'base64'],
              additionalProperties: false,
              properties: {
                content_type: { enum: [...LOGO_CONTENT_TYPES] },
                base64: { type: 'string', minLength: 1, maxLength: MAX_LOGO_BASE64, pattern: '^[A-Za-z0-9+/]*={0,2}$' },
              },
            },
          ],
        },
        tasks: {
          type: 'array',
          maxItems: MAX_TASKS_PER_APP,
          items: {
            type: 'object',
            required: ['task_tag'],
            properties: {
              task_tag: { type: 'string', maxLength: TASK_LIMITS.tagLength, pattern: TASK_TAG_PATTERN.source },
            },
            additionalProperties: true,
          },
        },
        instances: { type: 'array', maxItems: MAX_INSTANCES_PER_APP, items: named('title') },
      },
    },
    named_resource: named('name'),
  },
};
