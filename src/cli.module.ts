import { DynamicModule, Module } from '@nestjs/common';
import { AccessModule } from '@conduit/access';
import { AuditModule } from '@conduit/audit';
import { AuthModule } from '@conduit/auth';
import { BACKGROUND_CONNECT_TIMEOUT_MS, DatabaseModule } from '@conduit/database';
import { SourceDirectoryModule } from '@conduit/ingestion';
import { LicensingModule } from '@conduit/licensing';
import { ConduitConfig, ConfigModule, PlatformModule } from '@conduit/platform';
import { MasterKeyRotationModule } from '@conduit/secrets';
import { TenantsModule } from '@conduit/tenants';

/** The services operator commands need, without HTTP or queues. */
@Module({})
export class CliModule {
  static forRoot(config: ConduitConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot(config),
        PlatformModule,
        DatabaseModule.forRoot({
          applicationName: 'conduit-cli',
          statementTimeoutMs: (c) => c.WORKER_STATEMENT_TIMEOUT_MS,
          connectTimeoutMs: () => BACKGROUND_CONNECT_TIMEOUT_MS,
        }),
        AccessModule,
        AuditModule,
        TenantsModule,
        // The licence's checks on creating tenants and users apply to operators too.
        LicensingModule,
        AuthModule,
        MasterKeyRotationModule,
        LicensingModule,
        SourceDirectoryModule,
      ],
    };
  }
}
