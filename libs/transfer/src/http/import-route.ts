// What both import routes share: the options from the body, the route's body limit and its audit entry.
import type { FastifyRequest } from 'fastify';
import type { RequestIdentity } from '@conduit/access';
import { SetMetadata } from '@nestjs/common';
import { AUDIT_ACTION, AuditEntry, AuditSpec, requestAuditEntry } from '@conduit/audit';
import { CommonException } from '@conduit/platform';
import type { ImportOptions, ImportReport } from '../format/transfer-document';
import type { ImportRequestDto } from '../dto/import.dto';

/**
 * The import routes' body limit (RouteConfig bodyLimit, applied by the API's onRoute hook): documents up to 10 MB are
 * accepted, with room for the request's envelope, so the document guard (not Fastify's 413) answers a document over
 * its 10 MB limit with its own 400 document_too_large.
 */
export const IMPORT_BODY_LIMIT_BYTES = 12 * 1024 * 1024;

/** The request body in a failure's audit row (written by the API's interceptor): the options, never the document. */
export const IMPORT_AUDIT: AuditSpec = {
  action: 'transfer.import',
  target: 'Transfer',
  changes: (body) => ({ import_type: body.import_type, dry_run: body.dry_run, atomic: body.atomic }),
};

/** Like AuditedInHandler, with the body reduced as above: the success row is written by the import (importInto). */
export const AuditedImport = () =>
  SetMetadata(AUDIT_ACTION, { ...IMPORT_AUDIT, successInHandler: true } satisfies AuditSpec);

export function importOptions(body: ImportRequestDto): ImportOptions {
  const nameMap = body.name_map ?? {};
  const bad = Object.entries(nameMap).filter(([, to]) => typeof to !== 'string' || to.trim() === '');
  if (bad.length > 0)
    throw CommonException.validation(
      'name_map maps titles to non-empty titles',
      bad.map(([from]) => ({ field: `name_map.${from}`, message: 'must be a non-empty string' })),
    );
  return {
    import_type: body.import_type,
    name_map: nameMap,
    dry_run: body.dry_run ?? false,
    atomic: body.atomic ?? false,
  };
}

/** Who imported, with which options, and the counts: never the document's content. */
export function importAuditEntry(identity: RequestIdentity, req: FastifyRequest, report: ImportReport): AuditEntry {
  const entry = requestAuditEntry(identity, req, IMPORT_AUDIT, 200, null);
  return {
    ...entry,
    changes: importAuditChanges(report),
  };
}

/** What an import's audit row keeps (the API's and the CLI's): the options, the status and the counts. */
export function importAuditChanges(report: ImportReport): Record<string, unknown> {
  return {
    import_type: report.import_type,
    dry_run: report.dry_run,
    atomic: report.atomic,
    status: report.status,
    counts: report.counts,
  };
}
