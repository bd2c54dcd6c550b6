export * from './expression';
export * from './template';
export * from './run-context';
export * from './evaluation-budget';
// Pure, and what a template's credential values are masked with in whatever is recorded (tasks use it too).
export { REDACTED, credentialScrubber } from '../engine/credential-scrubber';
export type { CredentialScrubber } from '../engine/credential-scrubber';
