// MSSP distribution (issue 20 point 4): one document imported into many tenants of the caller's subtree at once, a
// result per tenant. Every target is checked before anything is written: one tenant outside the subtree (or unknown)
// refuses the whole request with 403 transfer_tenant_forbidden naming them. Each tenant's import then runs alone
// (its own transaction, acting in that tenant, its licence and quotas), so one tenant's failure does not undo
// another's: the answer says which did what.
import { Injectable } from '@nestjs/common';
import { AccessService, TenantRef } from '@conduit/access';
import type { AuditEntry } from '@conduit/audit';
import { LicenseFeatures } from '@conduit/licensing';
import { ConduitException, type TenantId } from '@conduit/platform';
import { TenantHierarchy } from '@conduit/tenants';
import type { ImportOptions, ImportReport, TransferDocument } from '../format/transfer-document';
import { TransferImporter } from '../import/transfer-importer';
import { TransferException } from '../transfer.exception';

export interface DistributionResult {
  tenant_id: string;
  tenant_code: string;
  /** The import's status, or `error` when the tenant's import could not run at all (its licence, for example). */
  status: ImportReport['status'] | 'error';
  report: ImportReport | null;
  error: { code: string; message: string } | null;
}

@Injectable()
export class TransferDistributor {
  constructor(
    private readonly access: AccessService,
    private readonly hierarchy: TenantHierarchy,
    private readonly importer: TransferImporter,
    private readonly features: LicenseFeatures,
  ) {}

  /**
   * `audit` builds each tenant's audit entry (written in that tenant, with its import) from the tenant and the
   * report; the document was read and checked by the caller.
   */
  async distribute(
    document: TransferDocument,
    tenantIds: string[],
    options: ImportOptions,
    audit: (tenant: TenantRef, report: ImportReport) => AuditEntry,
  ): Promise<DistributionResult[]> {
    const { principal, tenant: acting } = this.access.identity();
    const targets: TenantRef[] = [];
    const forbidden: string[] = [];
    for (const id of [...new Set(tenantIds)]) {
      const target = await this.hierarchy.find(id);
      const inSubtree =
        target !== null &&
        (principal.role === 'platform_admin' ||
          (await this.hierarchy.isSelfOrDescendant(acting.id, target.id as TenantId)));
      if (!target || !inSubtree) forbidden.push(id);
      else
        targets.push({
          id: target.id as TenantId,
          code: target.code,
          name: target.name,
          status: target.status,
          parent_id: target.parent_id,
        });
    }
    if (forbidden.length > 0)
      throw new TransferException(
        'transfer_tenant_forbidden',
        `${forbidden.length} of the tenants are not in your tenant's subtree (or do not exist): nothing was imported`,
        forbidden.map((id) => ({ field: 'tenant_ids', code: 'tenant_forbidden', message: id })),
      );
    const results: DistributionResult[] = [];
    for (const target of targets) {
      try {
        // The tenant's own licence allocation decides too: an MSSP may hold export_import and a customer not.
        await this.features.assertFeature('export_import', target.id);
        const report = await this.importer.importInto(target, document, options, {
          audit: (r) => audit(target, r),
        });
        results.push({ tenant_id: target.id, tenant_code: target.code, status: report.status, report, error: null });
      } catch (err) {
        // A refusal by the rules is this tenant's outcome; anything else (a bug, the database away) is the request's.
        if (!(err instanceof ConduitException) || err.status >= 500) throw err;
        results.push({
          tenant_id: target.id,
          tenant_code: target.code,
          status: 'error',
          report: null,
          error: { code: err.code, message: err.message },
        });
      }
    }
    return results;
  }
}
