// The document guard: reads an untrusted import body into a TransferDocument, or throws a TransferException (400,
// with every problem of the first failing class in `details`). It only reads, so a refused document has written
// nothing. The checks run cheapest first, and each assumes the ones before it:
//   1. a JSON object (text: assertBodyLimits, then parsed), plain JSON values only         → invalid_document
//   2. the size and shape limits, by one iterative walk (the same walk as 1 and 3)        → document_too_large
//   3. no key __proto__, constructor, prototype or other Object.prototype member          → forbidden_key
//   4. the format, then a version this installation reads      → invalid_document, import_version_unsupported
//   5. an older version upgraded (upgrade.ts), then the JSON Schema and unique names      → invalid_document
//   6. the checksum, of the document as received (before any upgrade)                    → checksum_mismatch
import { TransferException } from '../transfer.exception';
import { assertBodyLimits, tooLarge, walkDocument } from './body-limits';
import { documentChecksum } from './checksum';
import { DocumentProblem, reported } from './document-problems';
import { duplicateProblems, schemaProblems } from './schema-check';
import { TRANSFER_FORMAT, TRANSFER_VERSION, TransferDocument } from './transfer-document';
import {
  DocumentObject,
  UPGRADE_STEPS,
  UpgradeStep,
  applyUpgrades,
  oldestReadableVersion,
  upgradePath,
} from './upgrade';

export { assertBodyLimits } from './body-limits';

/** Reads an import body: a parsed JSON value, or the JSON text (string or bytes). */
export function readTransferDocument(body: unknown): TransferDocument {
  return readTransferDocumentWith(body, UPGRADE_STEPS);
}

/** readTransferDocument with other upgrade steps (the unit tests prove the mechanism with a hypothetical version 0). */
export function readTransferDocumentWith(body: unknown, steps: readonly UpgradeStep[]): TransferDocument {
  const received = parsed(body);

  const found = walkDocument(received);
  if (found.notJson.length > 0) throw invalid('the document is not plain JSON', found.notJson);
  if (found.tooLarge.length > 0) throw tooLarge(reported(found.tooLarge));
  if (found.forbidden.length > 0) {
    throw new TransferException(
      'forbidden_key',
      'the document holds keys that are not accepted',
      reported(found.forbidden),
    );
  }

  if (received.format !== TRANSFER_FORMAT) {
    throw invalid(`not a ${TRANSFER_FORMAT} document`, [
      { field: '/format', code: 'invalid_value', message: `format must be "${TRANSFER_FORMAT}"` },
    ]);
  }
  const path = readablePath(received.version, steps);

  const document = path.length === 0 ? received : upgraded(received, path);
  const schema = schemaProblems(document);
  if (schema.length > 0) throw invalid('the document does not match the format', schema);
  const duplicates = duplicateProblems(document as unknown as TransferDocument);
  if (duplicates.length > 0) throw invalid('the document names two items the same', duplicates);

  // The schema has checked checksum.value on the upgraded copy, which carries the received one unchanged.
  const checksum = (received.checksum as { value: string }).value;
  if (documentChecksum(received) !== checksum) {
    throw new TransferException('checksum_mismatch', 'the document was changed after it was exported', [
      {
        field: '/checksum/value',
        code: 'checksum_mismatch',
        message: 'the SHA-256 of the canonical document (RFC 8785, without checksum) differs from checksum.value',
      },
    ]);
  }
  return document as unknown as TransferDocument;
}

function parsed(body: unknown): DocumentObject {
  let value = body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    assertBodyLimits(body);
    try {
      const text = typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: true }).decode(body);
      value = JSON.parse(text) as unknown;
    } catch (err) {
      // Only where: V8's message may quote the text, and a document's content is not repeated (nor logged).
      const at = /at position (\d+)/.exec(err instanceof Error ? err.message : '');
      const message = `the document is not valid JSON${at ? ` (at position ${at[1]})` : ''}`;
      throw invalid('the document is not JSON', [{ field: '', code: 'invalid_json', message }]);
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw invalid('the document is not a JSON object', [
      { field: '', code: 'invalid_type', message: `the document must be a JSON object, not ${what}` },
    ]);
  }
  return value as DocumentObject;
}

/** The upgrade steps from the document's version to TRANSFER_VERSION (none for the current version). */
function readablePath(version: unknown, steps: readonly UpgradeStep[]): UpgradeStep[] {
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    throw invalid('the document has no version', [
      { field: '/version', code: 'invalid_type', message: 'version must be an integer' },
    ]);
  }
  const oldest = oldestReadableVersion(steps);
  const supported = { supported_version: TRANSFER_VERSION, oldest_version: oldest };
  if (version > TRANSFER_VERSION) {
    throw new TransferException(
      'import_version_unsupported',
      `version ${version} is newer than this installation reads`,
      [
        {
          field: '/version',
          code: 'version_too_new',
          message: `version ${version}: this installation reads versions ${oldest} to ${TRANSFER_VERSION}`,
          ...supported,
        },
      ],
    );
  }
  const path = upgradePath(version, steps);
  if (!path) {
    throw new TransferException('import_version_unsupported', `version ${version} cannot be upgraded`, [
      {
        field: '/version',
        code: 'version_too_old',
        message: `version ${version}: this installation reads versions ${oldest} to ${TRANSFER_VERSION}`,
        ...supported,
      },
    ]);
  }
  return path;
}

function upgraded(received: DocumentObject, path: UpgradeStep[]): DocumentObject {
  let document: DocumentObject;
  try {
    document = applyUpgrades(received, path);
  } catch (err) {
    // An old document shaped unlike anything its version wrote: a step may meet what it cannot read.
    throw invalid('the document cannot be upgraded', [
      {
        field: '',
        code: 'upgrade_failed',
        message: `upgrading from version ${received.version as number}: ${err instanceof Error ? err.message : String(err)}`,
      },
    ]);
  }
  if (typeof document !== 'object' || document === null) {
    throw invalid('the document cannot be upgraded', [
      { field: '', code: 'upgrade_failed', message: 'an upgrade step answered no document' },
    ]);
  }
  // The checksum is of the received content: a step never rewrites it.
  document.checksum = structuredClone(received.checksum);
  return document;
}

function invalid(message: string, problems: DocumentProblem[]): TransferException {
  return new TransferException('invalid_document', message, reported(problems));
}
