import { Module } from '@nestjs/common';
import { AuditModule } from '@conduit/audit';
import { CaseIngestionModule } from '@conduit/cases';
import { ChainsModule } from '@conduit/chains';
import { IngestionModule } from '@conduit/ingestion';
import { IntegrationsModule } from '@conduit/integrations';
import { LicensingModule } from '@conduit/licensing';
import { MonitorsModule } from '@conduit/monitors';
import { TasksModule } from '@conduit/tasks';
import { TenantsModule } from '@conduit/tenants';
import { WebhooksModule } from '@conduit/webhooks';
import { TransferDistributor } from './distribute/transfer-distributor';
import { TransferExporter } from './export/transfer-exporter';
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
    LicensingModule,
    TenantsModule,
    IntegrationsModule,
    TasksModule,
    CaseIngestionModule,
    ChainsModule,
    WebhooksModule,
    IngestionModule,
    MonitorsModule,
  ],
  providers: [TransferExporter, AppImporter, ChainReferences, ResourceImporter, TransferImporter, TransferDistributor],
  exports: [TransferExporter, TransferImporter, TransferDistributor],
})
export class TransferModule {}
