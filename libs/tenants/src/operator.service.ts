// Operator actions with no HTTP caller (CLI, first start): the one audited path that writes the control plane directly.
import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Role } from '@conduit/access';
import { AuditLog } from '@conduit/audit';
import { TenantContext } from '@conduit/database';
import { IdGenerator, assertName } from '@conduit/platform';
import { TenantEntity } from './entities/tenant.entity';
import { UserEntity } from './entities/user.entity';
import { TenantException } from './tenant.exception';
import { assertTenantCode } from './tenant-code';
import { TenantHierarchy } from './tenant-hierarchy';
import { TenantRepository } from './tenant.repository';
import { UserAccounts } from './user-accounts';

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
    private readonly hierarchy: TenantHierarchy,
    private readonly tenants: TenantRepository,
    private readonly audit: AuditLog,
    private readonly accounts: UserAccounts,
    private readonly ids: IdGenerator,
  ) {}

  async createTenant(input: { code: string; name: string; parentCode?: string }): Promise<TenantEntity> {
    assertTenantCode(input.code);
    const name = assertName(input.name, 'name');
    return this.db.transaction(async () => {
      let parentId: string | null = null;
      if (input.parentCode) {
        const parent = await this.hierarchy.find(input.parentCode);
        if (!parent) throw new TenantException('tenant_parent_invalid', `No tenant with code ${input.parentCode}`);
        parentId = parent.id;
      }
      const tenant = await this.tenants.insert({ id: this.ids.next(), code: input.code, name, parentId });
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
  }): Promise<UserEntity> {
    const tenant = await this.hierarchy.find(input.tenantCode);
    if (!tenant) throw new TenantException('tenant_not_found', `No tenant with code ${input.tenantCode}`);
    return this.db.runInTenant(tenant.id, async () => {
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
    let platform = await this.hierarchy.find(PLATFORM_TENANT_CODE);
    if (!platform) platform = await this.createTenant({ code: PLATFORM_TENANT_CODE, name: 'Platform' });
    const existing = await this.db.runInTenant(platform.id, async () => {
      const rows = (await this.db.em.query(
        `SELECT u.email FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.tenant_id = $1 AND m.role = 'platform_admin' LIMIT 1`,
        [platform.id],
      )) as { email: string }[];
      return rows[0]?.email;
    });
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
