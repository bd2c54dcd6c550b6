// The public surface of @conduit/tasks. For now the pure task-definition core (no module, tables or routes yet).
export * from './definition';
