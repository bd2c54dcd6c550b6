import { ConduitException, ErrorDetail, HttpStatusCode } from '@conduit/platform';

// Bad input is 400 validation_failed (CommonException), like every other body check.
export type CasesErrorCode = 'case_not_found' | 'case_version_conflict';

const STATUS: Record<CasesErrorCode, HttpStatusCode> = {
  case_not_found: 404,
  case_version_conflict: 409,
};

export class CasesException extends ConduitException<CasesErrorCode> {
  constructor(code: CasesErrorCode, message: string, details: ErrorDetail[] = []) {
    super(code, STATUS[code], message, details);
  }
}

export const caseNotFound = () => new CasesException('case_not_found', 'Case not found');
