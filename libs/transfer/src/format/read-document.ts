// CONTRACT STUB (to be replaced by the document guard): reads an untrusted import body into a TransferDocument, or
// throws a TransferException (400, nothing written). The real one checks size and shape limits, forbidden keys, the
// JSON Schema, the checksum and the version, and upgrades older versions.
import { TransferException } from '../transfer.exception';
import { TRANSFER_FORMAT, TransferDocument } from './transfer-document';

export function readTransferDocument(body: unknown): TransferDocument {
  if (typeof body !== 'object' || body === null || (body as { format?: unknown }).format !== TRANSFER_FORMAT)
    throw new TransferException('invalid_document', 'not a conduit.export document');
  return body as TransferDocument;
}
