// SCIM's own error answers (RFC 7644 section 3.12): the status as a string, a scimType for 400 and 409, and a detail.
import { ConduitException, HttpStatusCode } from '@conduit/platform';

export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

export interface ScimErrorBody {
  schemas: [typeof SCIM_ERROR_SCHEMA];
  status: string;
  scimType?: ScimType;
  detail: string;
}

/** A refusal answered in SCIM's error schema (a ConduitException, so anything else that sees it maps it too). */
export class ScimError extends ConduitException<string> {
  constructor(
    status: HttpStatusCode,
    detail: string,
    readonly scimType?: ScimType,
  ) {
    super(
      scimType ? `scim_${scimType.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}` : `scim_${status}`,
      status,
      detail,
    );
  }

  static badRequest(scimType: ScimType, detail: string): ScimError {
    return new ScimError(400, detail, scimType);
  }

  static notFound(resource: 'User' | 'Group', id: string): ScimError {
    return new ScimError(404, `${resource} ${id.slice(0, 100)} not found`);
  }

  static unauthorized(detail: string): ScimError {
    return new ScimError(401, detail);
  }
}

export function scimErrorBody(status: number, detail: string, scimType?: ScimType): ScimErrorBody {
  return { schemas: [SCIM_ERROR_SCHEMA], status: String(status), ...(scimType ? { scimType } : {}), detail };
}
