// The tenants table's writes that more than one caller makes (the API and the operator commands create tenants the
// same way). tenants is a control-plane table: callers have decided who may write before they get here.
import { Injectable } from '@nestjs/common';
import { TenantContext, isUniqueViolation } from '@conduit/database';
import { Clock } from '@conduit/platform';
import { TenantEntity, TenantIsolation } from './entities/tenant.entity';
import { TenantException } from './tenant.exception';

export interface NewTenant {
  id: string;
  code: string;
  name: string;
  parentId: string | null;
  contactEmail?: string | null;
  settings?: Record<string, unknown>;
  complianceSettings?: Record<string, unknown>;
  isolation?: TenantIsolation;
}

@Injectable()
export class TenantRepository {
  constructor(
    private readonly db: TenantContext,
    private readonly clock: Clock,
  ) {}

  /** Inserts an active tenant; a code already taken (checked first, then by the unique index) is tenant_code_taken. */
  async insert(input: NewTenant): Promise<TenantEntity> {
    const repo = this.db.em.getRepository(TenantEntity);
    if (await repo.exists({ where: { code: input.code } })) throw codeTaken(input.code);
    const now = this.clock.now();
    const tenant = repo.create({
      id: input.id,
      code: input.code,
      name: input.name,
      parent_id: input.parentId,
      status: 'active',
      contact_email: input.contactEmail ?? null,
      settings: input.settings ?? {},
      compliance_settings: input.complianceSettings ?? {},
      isolation: input.isolation ?? 'shared',
      created_at: now,
      updated_at: now,
      deleted_at: null,
    });
    try {
      await this.db.insert(TenantEntity, tenant);
    } catch (err) {
      // Two creates with one code at once: the exists check above passes for both, the unique index decides.
      if (isUniqueViolation(err, 'tenants_code_key')) throw codeTaken(input.code);
      throw err;
    }
    return tenant;
  }
}

function codeTaken(code: string): TenantException {
  return new TenantException('tenant_code_taken', `A tenant with code ${code} already exists`);
}
