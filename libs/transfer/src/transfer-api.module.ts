import { Module } from '@nestjs/common';
import { LicensingModule } from '@conduit/licensing';
import { ImportController } from './http/import.controller';
import { TransferModule } from './transfer.module';

/** The transfer routes, for apps/api. */
@Module({
  // LicensingModule: the routes' @RequiresFeature('export_import') guard.
  imports: [LicensingModule, TransferModule],
  controllers: [ImportController],
})
export class TransferApiModule {}
