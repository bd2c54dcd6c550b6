// Making a tenant dedicated (docs/dedicated-tenants.md): every check before anything is written, then its database
// migrated, then the switch in the core database, which every process's TenantDatabases registry picks up.
import { Inject, Injectable } from '@nestjs/common';
import {
  DatabaseSetupError,
  MigrationClass,
  SCHEMA_MIGRATIONS,
  SystemContext,
  TenantContext,
  TenantDatabases,
  dedicatedDatabaseUrls,
  migrateDedicatedDatabase,
  sealDatabaseUrl,
} from '@conduit/database';
import { Clock, ConduitConfig, InjectConfig, MasterKeyring } from '@conduit/platform';
import { TenantEntity, TenantHierarchy, TenantResponse, presentTenant } from '@conduit/tenants';
import { describeDatabase, parseDatabaseUrl } from './database-url';
import { SetIsolationDto } from './dto/isolation.dto';
import { IsolationException } from './isolation.exception';
import { IsolationRepository } from './repositories/isolation.repository';

@Injectable()
export class IsolationService {
  readonly #keyring: MasterKeyring;

  constructor(
    private readonly db: TenantContext,
    private readonly system: SystemContext,
    private readonly hierarchy: TenantHierarchy,
    private readonly repo: IsolationRepository,
    private readonly databases: TenantDatabases,
    private readonly clock: Clock,
    @InjectConfig() private readonly config: ConduitConfig,
    @Inject(SCHEMA_MIGRATIONS) private readonly migrations: readonly MigrationClass[],
  ) {
    this.#keyring = MasterKeyring.parse(config.CONDUIT_MASTER_KEY);
  }

  async set(ref: string, dto: SetIsolationDto): Promise<TenantResponse> {
    const tenant = await this.find(ref);
    const dedicated = await this.system.run('isolation.read', () => this.repo.hasDatabase(tenant.id));
    if (dto.isolation === 'shared') {
      if (!dedicated) return presentTenant(tenant);
      throw moveRequired();
    }
    if (dedicated) throw moveRequired();
    const { url } = parseDatabaseUrl(dto.database_url ?? '', this.config.DEDICATED_DATABASE_HOSTS);
    await this.assertEmpty(tenant);
    await this.migrate(url);
    await this.repo.mirrorTenant(url, tenant).catch((err: unknown) => {
      throw new IsolationException(
        'database_setup_failed',
        `Preparing the database at ${describeDatabase(url)} failed: ${(err as Error).message}`,
      );
    });
    const sealed = sealDatabaseUrl(this.#keyring, tenant.id, url);
    // Checked again in the transaction that switches, so a row written while the database was migrated is not left
    // behind in the core database (a write racing this very transaction is what tenant:move's pause is for).
    await this.system.run('isolation.make_dedicated', async () => {
      await this.assertEmpty(tenant);
      await this.repo.makeDedicated(tenant.id, sealed, this.clock.now());
    });
    await this.databases.refresh();
    return presentTenant(await this.find(tenant.id));
  }

  private async find(ref: string): Promise<TenantEntity> {
    const tenant = await this.system.run('isolation.find_tenant', () => this.hierarchy.find(ref), { routine: true });
    if (!tenant) throw new IsolationException('tenant_not_found', 'Tenant not found');
    return tenant;
  }

  /** In the tenant, whose rows RLS shows; in the core database, where a shared tenant's rows are. */
  private async assertEmpty(tenant: TenantEntity): Promise<void> {
    const tables = await this.db.runInTenant(tenant.id, () => this.repo.tablesWithRows(tenant.id));
    if (tables.length > 0) {
      throw new IsolationException(
        'tenant_not_empty',
        'Only a tenant with no data can be made dedicated here; move one with npm run cli -- tenant:move',
        tables.map((table) => ({ field: table, message: 'has rows of this tenant' })),
      );
    }
  }

  /** The product's migrations and runtime role in that database; messages name host:port/database, never the URL. */
  private async migrate(url: string): Promise<void> {
    if (this.migrations.length === 0) {
      throw new IsolationException('database_setup_failed', 'This process does not know the schema to migrate');
    }
    try {
      await migrateDedicatedDatabase(this.migrations, dedicatedDatabaseUrls(this.config, url));
    } catch (err) {
      const where = describeDatabase(url);
      if (err instanceof DatabaseSetupError && err.message.startsWith('cannot connect')) {
        throw new IsolationException('database_unreachable', `Cannot connect to the database at ${where}`);
      }
      const reason = err instanceof DatabaseSetupError ? err.message : 'migrations failed';
      throw new IsolationException('database_setup_failed', `Preparing the database at ${where} failed: ${reason}`);
    }
  }
}

function moveRequired(): IsolationException {
  return new IsolationException(
    'tenant_move_required',
    'The tenant has a database of its own; moving it elsewhere is npm run cli -- tenant:move',
  );
}
