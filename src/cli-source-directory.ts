// The inbound source directory's repair (SourceDirectoryRepair, docs/dedicated-tenants.md "Routing of every domain")
// as the CLI runs it: `sources:directory --repair` and at the end of `migrate` (every tenant), after `tenant:move` (the
// moved tenant).
import { NestFactory } from '@nestjs/core';
import { SourceDirectoryRepair, SourceDirectoryRepairResult } from '@conduit/ingestion';
import type { ConduitConfig, TenantId } from '@conduit/platform';
import { CliModule } from './cli.module';

/**
 * Repairs the given tenants' entries (every tenant's without), told line by line (on stdout unless `say` is given): the
 * changes, and each tenant whose sources could not be read.
 */
export async function repairSourceDirectory(
  config: ConduitConfig,
  {
    tenants,
    say = (line: string) => process.stdout.write(`${line}\n`),
  }: { tenants?: TenantId[]; say?: (line: string) => void } = {},
): Promise<SourceDirectoryRepairResult> {
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['error'] });
  try {
    const repair = app.get(SourceDirectoryRepair);
    const result = await (tenants ? repair.repair(tenants) : repair.repairAll());
    say(`source directory: ${result.added} entries added, ${result.removed} removed (${result.tenants} tenants)`);
    for (const tenantId of result.skipped) {
      say(`source directory: tenant ${tenantId} left as it is: its sources could not be read`);
    }
    return result;
  } finally {
    await app.close();
  }
}
