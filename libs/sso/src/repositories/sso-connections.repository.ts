// The SQL over sso_connections, in the caller's control-plane transaction (core database: coreEm; RLS scopes it to the
// tenant set there), and the narrow lookup by id that SAML routes use before they know the tenant.
import { Injectable } from '@nestjs/common';
import { CORE_DATABASE, PageRequest, TenantContext, newestFirst } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { SsoConnectionEntity } from '../entities/sso-connection.entity';

const UNIQUE_VIOLATION = '23505';

@Injectable()
export class SsoConnectionsRepository {
  constructor(private readonly db: TenantContext) {}

  /** False when the tenant has a connection of that name already. */
  async insert(row: SsoConnectionEntity): Promise<boolean> {
    try {
      await this.db.coreInsert(SsoConnectionEntity, row);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) return false;
      throw err;
    }
  }

  page(tenantId: TenantId, page: PageRequest): Promise<SsoConnectionEntity[]> {
    const qb = this.repo().createQueryBuilder('c').where('c.tenant_id = :tenantId', { tenantId });
    return newestFirst(qb, 'c', page).getMany();
  }

  find(tenantId: TenantId, id: string): Promise<SsoConnectionEntity | null> {
    return this.repo().findOne({ where: { id, tenant_id: tenantId } });
  }

  /** A SAML route naming the connection before its tenant is known (the app.sso_connection_id lookup policy). */
  lookup(id: string): Promise<SsoConnectionEntity | null> {
    return this.db.withSettings(
      { 'app.sso_connection_id': id },
      () => this.repo().findOne({ where: { id } }),
      CORE_DATABASE,
    );
  }

  enabled(tenantId: TenantId): Promise<SsoConnectionEntity[]> {
    return this.repo().find({ where: { tenant_id: tenantId, enabled: true }, order: { created_at: 'ASC', id: 'ASC' } });
  }

  /** False when the new name is taken by another connection of the tenant. */
  async update(tenantId: TenantId, id: string, changes: Partial<SsoConnectionEntity>): Promise<boolean> {
    try {
      await this.repo().update({ id, tenant_id: tenantId }, changes);
      return true;
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) return false;
      throw err;
    }
  }

  /** The connection and what its sign-ins left behind (outstanding requests, seen assertions, unused codes). */
  async delete(tenantId: TenantId, id: string): Promise<void> {
    for (const table of ['sso_saml_requests', 'sso_saml_assertions', 'sso_login_codes']) {
      await this.db.coreEm.query(`DELETE FROM ${table} WHERE tenant_id = $1 AND connection_id = $2`, [tenantId, id]);
    }
    await this.repo().delete({ id, tenant_id: tenantId });
  }

  private repo() {
    return this.db.coreEm.getRepository(SsoConnectionEntity);
  }
}
