// Operator actions with no HTTP caller (CLI, first start): each runs in SystemContext (logged with its reason) and
// writes its audit_events row in the same transaction.
import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Role } from '@conduit/access';
import { AuditLog } from '@conduit/audit';
import { SystemContext, TenantContext } from '@conduit/database';
import { IdGenerator, TenantId, asTenantId, assertName } from '@conduit/platform';
import { TenantEntity } from './entities/tenant.entity';
import { CreationChecks } from './creation-checks';
import { TenantException } from './tenant.exception';
import { assertTenantCode } from './tenant-code';
import { TenantsRepository } from './repositories/tenants.repository';
import { UsersRepository } from './repositories/users.repository';
import { TenantHierarchy } from './tenant-hierarchy';
import { MemberView, UserAccounts } from './user-accounts';

export const PLATFORM_TENANT_CODE = 'platform';

export interface BootstrapResult {
  created: boolean;
  email: string;
  /** set only when the password was generated here and must be shown once */
  generatedPassword?: string;
}

@Injectable()
export class OperatorService {
  constructor(
    private readonly db: TenantContext,
    private readonly system: SystemContext,
    private readonly hierarchy: TenantHierarchy,
    private readonly tenants: TenantsRepository,
    private readonly users: UsersRepository,
    private readonly audit: AuditLog,
    private readonly accounts: UserAccounts,
    private readonly ids: IdGenerator,
    private readonly checks: CreationChecks,
  ) {}

  async createTenant(input: { code: string; name: string; parentCode?: string }): Promise<TenantEntity> {
    assertTenantCode(input.code);
    const name = assertName(input.name, 'name');
    return this.system.run('operator.create_tenant', async () => {
      let parentId: TenantId | null = null;
      if (input.parentCode) {
        const parent = await this.hierarchy.find(input.parentCode);
        if (!parent) throw new TenantException('tenant_parent_invalid', `No tenant with code ${input.parentCode}`);
        parentId = parent.id;
      }
      // A new tenant's id, minted here.
      const id = asTenantId(this.ids.next());
      await this.checks.beforeTenant(parentId);
      const tenant = await this.tenants.insert({ id, code: input.code, name, parentId });
      await this.audit.record({
        tenantId: tenant.id,
        action: 'tenant.create',
        outcome: 'success',
        actor: { type: 'system', label: 'cli' },
        target: { type: 'Tenant', id: tenant.id },
        changes: { code: tenant.code, name: tenant.name, parent_id: parentId },
      });
      return tenant;
    });
  }

  async createUser(input: {
    email: string;
    password: string;
    tenantCode: string;
    role: Role;
    displayName?: string;
  }): Promise<MemberView> {
    const tenant = await this.system.run('operator.create_user', () => this.hierarchy.find(input.tenantCode));
    if (!tenant) throw new TenantException('tenant_not_found', `No tenant with code ${input.tenantCode}`);
    return this.db.runInTenantControlPlane(tenant.id, async () => {
      const user = await this.accounts.createMember(tenant.id, {
        email: input.email,
        password: input.password,
        role: input.role,
        displayName: input.displayName,
      });
      await this.audit.record({
        tenantId: tenant.id,
        action: 'user.create',
        outcome: 'success',
        actor: { type: 'system', label: 'cli' },
        target: { type: 'User', id: user.id },
        changes: { email: user.email, role: input.role },
      });
      return user;
    });
  }

  /** First start: a platform tenant and one platform admin, unless a platform admin already exists. */
  async ensurePlatformAdmin(email?: string, password?: string): Promise<BootstrapResult> {
    let platform = await this.system.run('operator.ensure_platform_admin', () =>
      this.hierarchy.find(PLATFORM_TENANT_CODE),
    );
    if (!platform) platform = await this.createTenant({ code: PLATFORM_TENANT_CODE, name: 'Platform' });
    const platformId = platform.id;
    const existing = await this.db.runInTenantControlPlane(platformId, () =>
      this.users.anyEmailWithRole(platformId, 'platform_admin'),
    );
    if (existing) return { created: false, email: existing };
    const adminEmail = (email ?? 'admin@conduit.local').toLowerCase();
    const generated = password ? undefined : randomBytes(18).toString('base64url');
    await this.createUser({
      email: adminEmail,
      password: password ?? (generated as string),
      tenantCode: PLATFORM_TENANT_CODE,
      role: 'platform_admin',
      displayName: 'Platform admin',
    });
    return { created: true, email: adminEmail, generatedPassword: generated };
  }
}
