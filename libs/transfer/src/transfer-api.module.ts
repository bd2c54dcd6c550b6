import { Module } from '@nestjs/common';
import { LicensingModule } from '@conduit/licensing';
import { TenantsModule } from '@conduit/tenants';
import { TransferExportController } from './http/transfer-export.controller';
import { DistributeController } from './http/distribute.controller';
import { ImportController } from './http/import.controller';
import { TransferModule } from './transfer.module';

/** The transfer routes, for apps/api. */
@Module({
  // LicensingModule: the routes' @RequiresFeature('export_import') guard.
  imports: [TransferModule, TenantsModule, LicensingModule],
  controllers: [TransferExportController, ImportController, DistributeController],
})
export class TransferApiModule {}
