import { ConduitException, ErrorDetail, HttpStatusCode } from '@conduit/platform';

// Bad input is 400 validation_failed (CommonException), like every other body check.
export type MonitorsErrorCode = 'monitor_not_found';

const STATUS: Record<MonitorsErrorCode, HttpStatusCode> = {
  monitor_not_found: 404,
};

export class MonitorsException extends ConduitException<MonitorsErrorCode> {
  constructor(code: MonitorsErrorCode, message: string, details: ErrorDetail[] = []) {
    super(code, STATUS[code], message, details);
  }
}

export const monitorNotFound = () => new MonitorsException('monitor_not_found', 'Monitor not found');
