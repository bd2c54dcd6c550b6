import { Global, Module } from '@nestjs/common';
import { Clock } from './clock';
import { IdGenerator } from './ids';
import { MetricsRegistry } from './metrics';
import { PasswordHasher } from './passwords';

@Global()
@Module({
  providers: [Clock, IdGenerator, PasswordHasher, MetricsRegistry],
  exports: [Clock, IdGenerator, PasswordHasher, MetricsRegistry],
})
export class PlatformModule {}
