import { DynamicModule, Global, Inject, Module } from '@nestjs/common';
import type { ConduitEnv } from './config.schema';

export const CONDUIT_CONFIG = Symbol('CONDUIT_CONFIG');
export const InjectConfig = () => Inject(CONDUIT_CONFIG);
export type ConduitConfig = Readonly<ConduitEnv>;

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: ConduitConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: CONDUIT_CONFIG, useValue: Object.freeze({ ...config }) }],
      exports: [CONDUIT_CONFIG],
    };
  }
}
