// One task run's HTTP call (pure of database and queue): executeTaskCall() and the pieces it is made of.
export * from './task-call';
export {
  OAuth2TokenCache,
  OAuth2TokenError,
  OAUTH2_DEFAULT_LIFETIME_S,
  OAUTH2_EXPIRY_MARGIN_MS,
} from './oauth2-tokens';
export type { OAuth2Credentials, OAuth2Settings } from './oauth2-tokens';
export { extractOutputs } from './task-outputs';
export type { ExtractedOutputs, OutputProblem } from './task-outputs';
export { CredentialHostError, TaskRenderError, renderTaskRequest, taskRequestUrl } from './task-call-render';
export type { RenderedParts, RenderedTaskRequest, TaskRenderContext } from './task-call-render';
