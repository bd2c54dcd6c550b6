import { Module } from '@nestjs/common';
import { TransferModule } from './transfer.module';

/** The transfer routes, for apps/api. */
@Module({
  imports: [TransferModule],
  controllers: [],
})
export class TransferApiModule {}
