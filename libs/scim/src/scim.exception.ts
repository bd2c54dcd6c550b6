import { ConduitException, HttpStatusCode } from '@conduit/platform';

/** Codes of the token management routes (/api/v1/scim/tokens); the /scim/v2 routes answer ScimError instead. */
export type ScimTokenErrorCode = 'scim_token_not_found' | 'sso_connection_not_found';

const STATUS: Record<ScimTokenErrorCode, HttpStatusCode> = {
  scim_token_not_found: 404,
  sso_connection_not_found: 404,
};

export class ScimTokenException extends ConduitException<ScimTokenErrorCode> {
  constructor(code: ScimTokenErrorCode, message: string) {
    super(code, STATUS[code], message);
  }
}
