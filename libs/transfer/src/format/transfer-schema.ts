// CONTRACT STUB (to be replaced by the document guard): the JSON Schema of the export format, published at
// GET /api/v1/transfer/schema and used to check every import.
export const TRANSFER_SCHEMA: Record<string, unknown> = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://conduit.dev/schemas/conduit.export.json',
  title: 'conduit.export',
  type: 'object',
};
