import { ConduitException, ErrorDetail, HttpStatusCode } from '@conduit/platform';

// Bad input is 400 validation_failed (CommonException), like every other body check.
export type CasesErrorCode =
  | 'case_not_found'
  | 'case_version_conflict'
  | 'instance_not_found'
  | 'ingestion_not_configured'
  | 'invalid_ingestion_config'
  | 'invalid_ingestion_task'
  | 'invalid_cursor';

const STATUS: Record<CasesErrorCode, HttpStatusCode> = {
  case_not_found: 404,
  case_version_conflict: 409,
  instance_not_found: 404,
  ingestion_not_configured: 404,
  invalid_ingestion_config: 400,
  invalid_ingestion_task: 400,
  invalid_cursor: 400,
};

export class CasesException extends ConduitException<CasesErrorCode> {
  constructor(code: CasesErrorCode, message: string, details: ErrorDetail[] = []) {
    super(code, STATUS[code], message, details);
  }
}

export const caseNotFound = () => new CasesException('case_not_found', 'Case not found');
