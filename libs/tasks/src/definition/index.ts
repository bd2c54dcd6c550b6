// The pure core of task definitions: types, verifyTaskDefinition() and the pieces it is made of.
export * from './task-definition';
export * from './verification';
export * from './verify-task-definition';
export { TEMPLATE_ROOTS, templateReferences, scanTemplates, unknownReferences } from './template-references';
export type { TemplateNames, TemplateReference, TemplateRoot, TemplateScan } from './template-references';
export { findDependencyCycle, describeCycle } from './dependency-cycle';
export type { TaskDependencies } from './dependency-cycle';
export { jsonPathProblem, jsonPathMatchesMany, jsonPathMatches } from './output-paths';
export { requestPathProblem } from './request-checks';
export {
  DEPENDENT_TASK_ON_ERROR,
  MAX_DEPENDENT_TASKS,
  caseIngestionDependentTasks,
  caseIngestionTaskTags,
  itemSelectorProblem,
} from './case-ingestion-references';
export type { DependentTask, DependentTaskOnError } from './case-ingestion-references';
