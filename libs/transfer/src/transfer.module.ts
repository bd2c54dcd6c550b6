import { Module } from '@nestjs/common';
import { AuditModule } from '@conduit/audit';
import { IntegrationsModule } from '@conduit/integrations';
import { TasksModule } from '@conduit/tasks';
import { AppImporter } from './import/app-importer';
import { TransferImporter } from './import/transfer-importer';
// Registers the Transfer subject, its API-key scope and each role's rules with @conduit/access.
import './transfer.access';

/**
 * Export and import of a tenant's configuration (issue 20). No tables of its own: it reads and writes through the
 * other domains' services, so everything imported passes their validation.
 */
@Module({
  imports: [AuditModule, IntegrationsModule, TasksModule],
  providers: [AppImporter, TransferImporter],
  exports: [TransferImporter],
})
export class TransferModule {}
