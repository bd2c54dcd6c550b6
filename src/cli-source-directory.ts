// The inbound source directory's repair (SourceDirectoryRepair, docs/dedicated-tenants.md "Routing of every domain")
// as the CLI runs it: `sources:directory --repair`, and at the end of `migrate`.
import { NestFactory } from '@nestjs/core';
import { SourceDirectoryRepair, SourceDirectoryRepairResult } from '@conduit/ingestion';
import type { ConduitConfig } from '@conduit/platform';
import { CliModule } from './cli.module';

/** Repairs every tenant's entries, told on stdout: the changes, and each tenant whose sources could not be read. */
export async function repairSourceDirectory(config: ConduitConfig): Promise<SourceDirectoryRepairResult> {
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['error'] });
  try {
    const result = await app.get(SourceDirectoryRepair).repairAll();
    process.stdout.write(
      `source directory: ${result.added} entries added, ${result.removed} removed (${result.tenants} tenants)\n`,
    );
    for (const tenantId of result.skipped) {
      process.stdout.write(`source directory: tenant ${tenantId} left as it is: its sources could not be read\n`);
    }
    return result;
  } finally {
    await app.close();
  }
}
