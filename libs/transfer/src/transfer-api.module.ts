import { Module } from '@nestjs/common';
import { LicensingModule } from '@conduit/licensing';
import { TenantsModule } from '@conduit/tenants';
import { TransferExportController } from './http/transfer-export.controller';
import { TransferModule } from './transfer.module';

/** The transfer routes, for apps/api. */
@Module({
  imports: [TransferModule, TenantsModule, LicensingModule],
  controllers: [TransferExportController],
})
export class TransferApiModule {}
