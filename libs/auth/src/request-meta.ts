/** What the HTTP layer tells auth services about the caller, for audit rows and sessions. */
export interface RequestMeta {
  ip?: string | null;
  userAgent?: string | null;
  requestId?: string | null;
}
