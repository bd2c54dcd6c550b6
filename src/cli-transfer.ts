// `npm run cli -- export` and `import`: a tenant's whole configuration to a file and back (issue 20 point 5: backup
// and restore). The operator acts in the tenant through a system principal with the tenant admin's role (audited as
// actor type system, label "operator (cli)"), so the export and the import go through the same services, checks and
// audit rows as the API's. Loaded only for these two commands: the domains they need take seconds to load.
import { readFileSync, writeFileSync } from 'node:fs';
import type { INestApplicationContext } from '@nestjs/common';
import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClsService } from 'nestjs-cls';
import { AccessService, Principal, TenantRef } from '@conduit/access';
import type { AuditEntry } from '@conduit/audit';
import { LicenseFeatures } from '@conduit/licensing';
import { ConduitConfig, TenantId } from '@conduit/platform';
import { QueuesModule } from '@conduit/queues';
import { TenantHierarchy } from '@conduit/tenants';
import {
  ImportOptions,
  ImportReport,
  TRANSFER_KINDS,
  TransferExporter,
  TransferImporter,
  TransferModule,
  importAuditChanges,
  readTransferDocument,
} from '@conduit/transfer';
import { CliModule } from './cli.module';
import { CommandFailedError, UsageError } from './cli-errors';

export const TRANSFER_COMMANDS: ReadonlySet<string> = new Set(['export', 'import']);

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const OPERATOR_LABEL = 'operator (cli)';

@Module({})
class CliTransferModule {
  static forRoot(config: ConduitConfig): DynamicModule {
    // The domains' modules register queues: an import's after-commit work is queued like the API's.
    return { module: CliTransferModule, imports: [CliModule.forRoot(config), QueuesModule.forRoot(), TransferModule] };
  }
}

export async function runTransferCommand(
  command: string,
  values: Record<string, string | boolean | undefined>,
  config: ConduitConfig,
): Promise<void> {
  const code = typeof values.tenant === 'string' ? values.tenant : undefined;
  if (!code) throw new UsageError('missing --tenant', true);
  const file = command === 'import' ? values.file : values.out;
  if (command === 'import' && typeof file !== 'string') throw new UsageError('missing --file', true);
  const importType = values['import-type'] ?? 'overwrite';
  if (importType !== 'overwrite' && importType !== 'skip')
    throw new UsageError('--import-type must be overwrite or skip', true);
  const app = await NestFactory.createApplicationContext(CliTransferModule.forRoot(config), { logger: ['error'] });
  try {
    const found = await app.get(TenantHierarchy).find(code.toLowerCase());
    if (!found) throw new UsageError(`no tenant ${code}`);
    const tenant: TenantRef = {
      id: found.id as TenantId,
      code: found.code,
      name: found.name,
      status: found.status,
      parent_id: found.parent_id,
    };
    // The licence decides for operators as for the API: the feature, and the tenant's allocation of it.
    await app.get(LicenseFeatures).assertFeature('export_import', tenant.id);
    if (command === 'export') await exportTenant(app, tenant, typeof file === 'string' ? file : undefined);
    else
      await importTenant(app, tenant, file as string, {
        import_type: importType,
        name_map: {},
        dry_run: values['dry-run'] === true,
        atomic: values.atomic === true,
      });
  } finally {
    await app.close();
  }
}

function operator(tenant: TenantRef): Principal {
  return {
    kind: 'system',
    id: NIL_UUID,
    label: OPERATOR_LABEL,
    userId: null,
    homeTenantId: tenant.id,
    role: 'tenant_admin',
    scopes: null,
  };
}

/** Runs fn acting in the tenant as the operator, in a CLS context of its own. */
function asOperator<T>(app: INestApplicationContext, tenant: TenantRef, fn: () => Promise<T>): Promise<T> {
  return app.get(ClsService).run(() => {
    app.get(AccessService).setIdentity({ principal: operator(tenant), tenant });
    return fn();
  });
}

async function exportTenant(app: INestApplicationContext, tenant: TenantRef, out: string | undefined): Promise<void> {
  const document = await asOperator(app, tenant, () =>
    app.get(TransferExporter).export({ include: [...TRANSFER_KINDS] }),
  );
  const text = `${JSON.stringify(document, null, 2)}\n`;
  if (!out) {
    process.stdout.write(text);
    return;
  }
  // Configuration only, no secret: still the tenant's, so readable by the operator alone.
  writeFileSync(out, text, { mode: 0o600 });
  const extra = TRANSFER_KINDS.map((k) => `${document[k]?.length ?? 0} ${k}`).join(', ');
  process.stderr.write(
    `exported ${tenant.code}: ${document.apps.length} integrations, ` +
      `${document.apps.reduce((n, a) => n + a.tasks.length, 0)} tasks, ` +
      `${document.apps.reduce((n, a) => n + a.instances.length, 0)} instances, ${extra} → ${out}\n`,
  );
}

async function importTenant(
  app: INestApplicationContext,
  tenant: TenantRef,
  file: string,
  options: ImportOptions,
): Promise<void> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  // The same guard as the API's (size, forbidden keys, schema, version, checksum): a 400 there is exit 1 here.
  const document = readTransferDocument(text);
  const report = await asOperator(app, tenant, () =>
    app.get(TransferImporter).importInto(tenant, document, options, { audit: (r) => auditEntry(tenant, r) }),
  );
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  const c = report.counts;
  process.stderr.write(
    `import into ${tenant.code}${options.dry_run ? ' (dry run: nothing written)' : ''}: ${report.status}; ` +
      `${c.create} created, ${c.update} updated, ${c.skip} skipped, ${c.error} errors; ` +
      `${report.needs_secrets.length} instances need secrets\n`,
  );
  if (report.status !== 'completed')
    throw new CommandFailedError(`import ${report.status}: see the items with action "error" in the report`);
}

function auditEntry(tenant: TenantRef, report: ImportReport): AuditEntry {
  return {
    tenantId: tenant.id,
    action: 'transfer.import',
    outcome: 'success',
    actor: { type: 'system', id: NIL_UUID, label: OPERATOR_LABEL },
    target: { type: 'Transfer', id: null },
    changes: importAuditChanges(report),
    metadata: { via: 'cli' },
  };
}
