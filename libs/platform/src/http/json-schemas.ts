// Swagger schemas of free-form JSON fields. An object schema with neither properties nor additionalProperties says
// "no keys at all" to client generators (openapi-typescript makes it Record<string, never>): spread one of these into
// @ApiProperty instead, with the field's own example and description (and nullable: on JSON_OBJECT and STRING_MAP).
import type { ApiPropertyOptions } from '@nestjs/swagger';

/** A JSON object whose keys are the caller's own: settings, metadata, filters, trigger data, template params. */
export const JSON_OBJECT = { type: 'object', additionalProperties: true } satisfies ApiPropertyOptions;

/** Names to string values: headers. */
export const STRING_MAP = { type: 'object', additionalProperties: { type: 'string' } } satisfies ApiPropertyOptions;

const NOT_OBJECTS = [{ type: 'array', items: {} }, { type: 'string' }, { type: 'number' }, { type: 'boolean' }];

/** Any JSON value but null: an event payload, trigger data. */
export const JSON_VALUE = {
  oneOf: [{ type: 'object', additionalProperties: true }, ...NOT_OBJECTS],
} satisfies ApiPropertyOptions;

/** Any JSON value or null (OpenAPI 3.0 has no null type: `nullable` goes on a branch that has a type). */
export const JSON_VALUE_OR_NULL = {
  oneOf: [{ type: 'object', additionalProperties: true, nullable: true }, ...NOT_OBJECTS],
} satisfies ApiPropertyOptions;
