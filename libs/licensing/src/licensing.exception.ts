import { ConduitException, ErrorDetail, HttpStatusCode } from '@conduit/platform';

export type LicensingErrorCode =
  // PUT /api/v1/license, license:install: the licence is refused and the previous one stays in force
  | 'license_malformed'
  | 'license_signature_invalid'
  | 'license_key_unknown'
  | 'license_expired'
  | 'license_not_yet_valid'
  | 'license_installation_mismatch'
  // a route or a creation the licence in force does not allow
  | 'license_feature_unavailable'
  | 'license_quota_exceeded'
  // MSSP allocation
  | 'allocation_exceeds_parent'
  | 'allocation_feature_not_held'
  | 'allocation_not_allowed'
  | 'invalid_report_month';

const STATUS: Record<LicensingErrorCode, HttpStatusCode> = {
  license_malformed: 400,
  license_signature_invalid: 400,
  license_key_unknown: 400,
  license_expired: 400,
  license_not_yet_valid: 400,
  license_installation_mismatch: 400,
  license_feature_unavailable: 403,
  license_quota_exceeded: 403,
  allocation_exceeds_parent: 400,
  allocation_feature_not_held: 400,
  allocation_not_allowed: 403,
  invalid_report_month: 400,
};

export class LicensingException extends ConduitException<LicensingErrorCode> {
  constructor(code: LicensingErrorCode, message: string, details: ErrorDetail[] = []) {
    super(code, STATUS[code], message, details);
  }
}
