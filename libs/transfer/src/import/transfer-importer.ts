// Imports a document into a tenant (issue 20): one tenant transaction for the whole import, one savepoint per app so a
// failing app is undone alone, and a final rollback when nothing may stay (atomic import with a failure, dry run).
// The document must already be read by readTransferDocument (the guard): this trusts its shape, not its content.
import { Injectable } from '@nestjs/common';
import { ClsService } from 'nestjs-cls';
import { AccessService, TenantRef } from '@conduit/access';
import { AuditEntry, AuditLog } from '@conduit/audit';
import { TenantContext } from '@conduit/database';
import { InvariantError } from '@conduit/platform';
import {
  IMPORT_ACTIONS,
  ImportItemResult,
  ImportOptions,
  ImportReport,
  TransferDocument,
} from '../format/transfer-document';
import { AppImportFailed, AppImporter, AppOutcome, NeedsSecrets } from './app-importer';
import {
  RESOURCE_KINDS,
  ResourceContext,
  ResourceImportFailed,
  ResourceImporter,
  ResourceNeedsSecrets,
} from './resource-importer';

/** Thrown out of the import's transaction to roll it back, carrying the report of what was (or would be) done. */
class RollbackWithReport extends Error {
  constructor(readonly report: ImportReport) {
    super('import rolled back');
  }
}

export interface ImportHooks {
  /**
   * The import's audit entry, given the report: written with the import when it commits, or in a transaction of its
   * own when nothing was written (dry run, failed).
   */
  audit?: (report: ImportReport) => AuditEntry;
}

@Injectable()
export class TransferImporter {
  constructor(
    private readonly db: TenantContext,
    private readonly cls: ClsService,
    private readonly access: AccessService,
    private readonly apps: AppImporter,
    private readonly resources: ResourceImporter,
    private readonly auditLog: AuditLog,
  ) {}

  /** Imports into the acting tenant. */
  import(document: TransferDocument, options: ImportOptions, hooks: ImportHooks = {}): Promise<ImportReport> {
    return this.importInto(this.access.tenant(), document, options, hooks);
  }

  /**
   * Imports into `tenant`, acting in it for the rest of the import only (a child CLS context): for MSSP distribution
   * and the CLI. The caller has checked that the principal may act in that tenant; every service still checks its own
   * permission there. Must not run inside a transaction (the import's rollbacks are its own).
   */
  async importInto(
    tenant: TenantRef,
    document: TransferDocument,
    options: ImportOptions,
    hooks: ImportHooks = {},
  ): Promise<ImportReport> {
    if (this.db.inTransaction())
      throw new InvariantError('transaction_open', 'an import opens its own transaction (route: @OwnTransactions)');
    return this.cls.run({ ifNested: 'inherit' }, async () => {
      this.access.actIn(tenant);
      const userId = this.access.principal().userId ?? undefined;
      let report: ImportReport;
      let committed = false;
      try {
        report = await this.db.runInTenant(
          tenant.id,
          async () => {
            const done = await this.replay(document, options);
            if (options.dry_run || done.status === 'failed') throw new RollbackWithReport(done);
            if (hooks.audit) await this.auditLog.record(hooks.audit(done));
            return done;
          },
          userId,
        );
        committed = true;
      } catch (err) {
        if (!(err instanceof RollbackWithReport)) throw err;
        report = err.report;
      }
      // Nothing was written (dry run, or a failure that rolled everything back): the audit row stands alone.
      if (!committed && hooks.audit) {
        const entry = hooks.audit(report);
        await this.db.runInTenant(tenant.id, () => this.auditLog.record(entry), userId);
      }
      return report;
    });
  }

  /** Every app in its savepoint, in document order, then the report. */
  private async replay(document: TransferDocument, options: ImportOptions): Promise<ImportReport> {
    const items: ImportItemResult[] = [];
    const needsSecrets: NeedsSecrets[] = [];
    // One app (or shared instance) in its savepoint: what it did, or its failed items with nothing of it written.
    const alone = async (save: () => Promise<AppOutcome>) => {
      try {
        const outcome = await this.db.savepoint(save);
        items.push(...outcome.items);
        needsSecrets.push(...outcome.needs_secrets);
      } catch (err) {
        if (!(err instanceof AppImportFailed)) throw err;
        items.push(...err.items);
      }
    };
    for (const [index, app] of (Array.isArray(document.apps) ? document.apps : []).entries())
      await alone(() => this.apps.import(app, index, options));
    // Instances of integrations shared from above (the document names those integrations, never carries them): after
    // the apps, before the chains whose task steps may run on them.
    for (const [index, stub] of (Array.isArray(document.shared_instances) ? document.shared_instances : []).entries())
      await alone(() => this.apps.importShared(stub, index, options));
    // After the apps (nothing of theirs names an app): each resource alone in its savepoint.
    const context: ResourceContext = { subscriptions: new Map(), matched: new Set() };
    const resourceNeeds: ResourceNeedsSecrets[] = [];
    for (const kind of RESOURCE_KINDS) {
      const resources = document[kind];
      for (const [index, resource] of (Array.isArray(resources) ? resources : []).entries()) {
        try {
          const outcome = await this.db.savepoint(() => this.resources.import(kind, resource, index, options, context));
          items.push(outcome.item);
          if (outcome.needs) resourceNeeds.push(outcome.needs);
        } catch (err) {
          if (!(err instanceof ResourceImportFailed)) throw err;
          items.push(err.item);
        }
      }
    }
    const credentials = await this.resources.missingCredentials(document.chain_credentials);
    return report(items, needsSecrets, [...resourceNeeds, ...credentials], options);
  }
}

function report(
  items: ImportItemResult[],
  needsSecrets: NeedsSecrets[],
  resourceNeeds: ResourceNeedsSecrets[],
  options: ImportOptions,
): ImportReport {
  const errors = items.some((i) => i.action === 'error');
  const wrote = items.some((i) => i.action === 'create' || i.action === 'update');
  // atomic: one failure and nothing stays; what had been written is reported rolled back.
  const rolledBack = errors && (options.atomic || !wrote);
  const final = rolledBack ? items.map(rollBack) : items;
  const counts = Object.fromEntries(IMPORT_ACTIONS.map((a) => [a, 0])) as ImportReport['counts'];
  for (const item of final) {
    counts[item.action] += 1;
    if (item.renamed) counts.rename += 1;
  }
  return {
    dry_run: options.dry_run,
    atomic: options.atomic,
    import_type: options.import_type,
    status: !errors ? 'completed' : rolledBack ? 'failed' : 'partial',
    items: final,
    needs_secrets: rolledBack ? [] : needsSecrets,
    // Chain credentials the tenant lacks are needed whatever was written; a rolled-back subscription needs nothing.
    resources_need_secrets: rolledBack ? resourceNeeds.filter((n) => n.id === null) : resourceNeeds,
    counts,
  };
}

function rollBack(item: ImportItemResult): ImportItemResult {
  if (item.action !== 'create' && item.action !== 'update') return item;
  return {
    ...item,
    action: 'error',
    id: null,
    seq_id: null,
    problems: [{ code: 'rolled_back', message: 'not imported: the import is atomic and another item failed' }],
  };
}
