import { ConduitException, ErrorDetail, HttpStatusCode } from '@conduit/platform';

export type ChainErrorCode =
  | 'chain_not_found'
  | 'chain_run_not_found'
  | 'credential_not_found'
  | 'invalid_chain'
  | 'invalid_chain_step'
  | 'invalid_template'
  | 'invalid_condition'
  | 'invalid_trigger_event'
  | 'chain_version_conflict'
  | 'chain_inactive'
  | 'chain_run_state_conflict'
  | 'credential_name_taken'
  | 'invalid_allowed_host'
  | 'credential_host_not_allowed'
  | 'unknown_instance'
  | 'unknown_task';

const STATUS: Record<ChainErrorCode, HttpStatusCode> = {
  chain_not_found: 404,
  chain_run_not_found: 404,
  credential_not_found: 404,
  invalid_chain: 400,
  invalid_chain_step: 400,
  invalid_template: 400,
  invalid_condition: 400,
  invalid_trigger_event: 400,
  chain_version_conflict: 409,
  chain_inactive: 409,
  chain_run_state_conflict: 409,
  credential_name_taken: 409,
  invalid_allowed_host: 400,
  credential_host_not_allowed: 400,
  unknown_instance: 400,
  unknown_task: 400,
};

export class ChainException extends ConduitException<ChainErrorCode> {
  constructor(code: ChainErrorCode, message: string, details: ErrorDetail[] = []) {
    super(code, STATUS[code], message, details);
  }
}
