import { Module } from '@nestjs/common';
import { AuditModule } from '@conduit/audit';
import { ChainsModule } from '@conduit/chains';
import { IngestionModule } from '@conduit/ingestion';
import { IntegrationsModule } from '@conduit/integrations';
import { MonitorsModule } from '@conduit/monitors';
import { TasksModule } from '@conduit/tasks';
import { WebhooksModule } from '@conduit/webhooks';
import { AppImporter } from './import/app-importer';
import { ChainReferences } from './import/chain-references';
import { ResourceImporter } from './import/resource-importer';
import { TransferImporter } from './import/transfer-importer';
// Registers the Transfer subject, its API-key scope and each role's rules with @conduit/access.
import './transfer.access';

/**
 * Export and import of a tenant's configuration (issue 20). No tables of its own: it reads and writes through the
 * other domains' services, so everything imported passes their validation.
 */
@Module({
  imports: [
    AuditModule,
    ChainsModule,
    IngestionModule,
    IntegrationsModule,
    MonitorsModule,
    TasksModule,
    WebhooksModule,
  ],
  providers: [AppImporter, ChainReferences, ResourceImporter, TransferImporter],
  exports: [TransferImporter],
})
export class TransferModule {}
