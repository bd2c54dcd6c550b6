/** What the HTTP layer tells auth services about the caller, for audit rows and sessions. */
export type { RequestMeta } from '@conduit/platform';
