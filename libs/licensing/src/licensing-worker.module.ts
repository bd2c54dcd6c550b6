import { Module } from '@nestjs/common';
import { LicensingModule } from './licensing.module';

/**
 * Licensing in the worker: its tables come with it (either process may migrate the schema at start); the licence's
 * timers and notifications go here.
 */
@Module({ imports: [LicensingModule] })
export class LicensingWorkerModule {}
