import { ConduitException, ErrorDetail, HttpStatusCode } from '@conduit/platform';

export type IngestionErrorCode =
  | 'source_not_found'
  | 'inbound_event_not_found'
  | 'signature_missing'
  | 'signature_invalid'
  | 'timestamp_missing'
  | 'timestamp_out_of_tolerance'
  | 'token_missing'
  | 'token_invalid'
  | 'credentials_missing'
  | 'credentials_invalid'
  | 'ip_not_allowed'
  | 'payload_too_large'
  | 'invalid_source'
  | 'invalid_filter'
  | 'invalid_case_mapping'
  | 'invalid_json'
  | 'unsupported_charset'
  | 'unsupported_content_encoding';

const STATUS: Record<IngestionErrorCode, HttpStatusCode> = {
  source_not_found: 404,
  inbound_event_not_found: 404,
  signature_missing: 401,
  signature_invalid: 401,
  timestamp_missing: 401,
  timestamp_out_of_tolerance: 401,
  token_missing: 401,
  token_invalid: 401,
  credentials_missing: 401,
  credentials_invalid: 401,
  ip_not_allowed: 403,
  payload_too_large: 413,
  invalid_source: 400,
  invalid_filter: 400,
  invalid_case_mapping: 400,
  invalid_json: 400,
  unsupported_charset: 415,
  unsupported_content_encoding: 415,
};

export class IngestionException extends ConduitException<IngestionErrorCode> {
  constructor(code: IngestionErrorCode, message: string, details: ErrorDetail[] = []) {
    super(code, STATUS[code], message, details);
  }
}
