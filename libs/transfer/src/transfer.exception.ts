import { ConduitException, ErrorDetail, HttpStatusCode } from '@conduit/platform';

// Bad documents are 400 with a code naming the class of problem and every problem in `details`; nothing is written.
export type TransferErrorCode =
  | 'invalid_document' // not JSON, not the format, or not the schema
  | 'checksum_mismatch'
  | 'import_version_unsupported' // a newer version than this installation reads
  | 'document_too_large' // over the byte, item, nesting or string limits
  | 'forbidden_key' // __proto__, constructor, prototype
  | 'export_not_found' // an integration id to export that the tenant does not have
  | 'transfer_tenant_forbidden'; // distribution to a tenant outside the caller's subtree

const STATUS: Record<TransferErrorCode, HttpStatusCode> = {
  invalid_document: 400,
  checksum_mismatch: 400,
  import_version_unsupported: 400,
  document_too_large: 400,
  forbidden_key: 400,
  export_not_found: 404,
  transfer_tenant_forbidden: 403,
};

export class TransferException extends ConduitException<TransferErrorCode> {
  constructor(code: TransferErrorCode, message: string, details: ErrorDetail[] = []) {
    super(code, STATUS[code], message, details);
  }
}
