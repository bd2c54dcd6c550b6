// The catalogue's field-definition model, shared by integrations (fields) and tasks (input_fields).
export { FIELD_NAME, FIELD_TYPES, MAX_FIELDS, checkFieldDefinitions } from './field-definitions';
export type { FieldDefinition, FieldProblem, FieldType, FieldValidation } from './field-definitions';
export { checkFields, compileProblem, fieldSchema, toJsonSchema, validateValues } from './field-schema';
export type { JsonSchema } from './field-schema';
