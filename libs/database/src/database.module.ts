import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule, getDataSourceToken } from '@nestjs/typeorm';
import { ClsModule, ClsModuleOptions } from 'nestjs-cls';
import { ClsPluginTransactional } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { CONDUIT_CONFIG, ConduitConfig } from '@conduit/platform';
import { resolveDatabaseUrls } from './database-urls';
import { TenantContext } from './tenant-context';
import { TenantRoundTrip } from './tenant-round-trip';

export interface DatabaseModuleOptions {
  /** Extra CLS options (the API mounts the CLS middleware; the worker does not). */
  cls?: Omit<ClsModuleOptions, 'plugins' | 'global'>;
  applicationName?: string;
  /**
   * statement_timeout of this process's connections, sent in the connection's start-up message (no round trip per
   * statement). Default: DATABASE_STATEMENT_TIMEOUT_MS, the API's short budget; the worker and the CLI pass theirs.
   */
  statementTimeoutMs?: (config: ConduitConfig) => number;
}

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions = {}): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [CONDUIT_CONFIG],
          useFactory: (config: ConduitConfig) => ({
            type: 'postgres' as const,
            url: resolveDatabaseUrls(config).runtimeUrl,
            autoLoadEntities: true,
            synchronize: false,
            migrationsRun: false,
            logging: false,
            extra: {
              max: config.DATABASE_POOL_SIZE,
              application_name: options.applicationName ?? 'conduit',
              // 0 sends nothing: the role's or server's own setting applies.
              statement_timeout: options.statementTimeoutMs?.(config) ?? config.DATABASE_STATEMENT_TIMEOUT_MS,
              idle_in_transaction_session_timeout: config.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
            },
          }),
        }),
        ClsModule.forRoot({
          ...options.cls,
          global: true,
          plugins: [
            new ClsPluginTransactional({
              imports: [TypeOrmModule],
              adapter: new TransactionalAdapterTypeOrm({ dataSourceToken: getDataSourceToken() }),
            }),
          ],
        }),
      ],
      providers: [TenantContext, TenantRoundTrip],
      exports: [TenantContext, TenantRoundTrip],
    };
  }
}
