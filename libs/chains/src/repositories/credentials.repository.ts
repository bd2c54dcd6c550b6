// The SQL over credentials (sealed values; the clear value never reaches this table), in the caller's transaction,
// and the step engine's lookup by name in one round trip of its own.
import { Injectable } from '@nestjs/common';
import { PageRequest, TenantContext, TenantRoundTrip, newestFirst } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { In } from 'typeorm';
import { CredentialEntity } from '../entities/credential.entity';

export type SealedCredential = Pick<CredentialEntity, 'id' | 'name' | 'value_sealed' | 'allowed_hosts'>;

@Injectable()
export class CredentialsRepository {
  constructor(
    private readonly db: TenantContext,
    private readonly trip: TenantRoundTrip,
  ) {}

  /** ON CONFLICT DO NOTHING: a taken name must not abort the request's transaction. False when the name is taken. */
  async insertUnlessNameTaken(row: CredentialEntity): Promise<boolean> {
    const inserted = await this.repo().createQueryBuilder().insert().values(row).orIgnore().returning('id').execute();
    return (inserted.raw as unknown[]).length > 0;
  }

  page(tenantId: TenantId, page: PageRequest): Promise<CredentialEntity[]> {
    const qb = this.repo().createQueryBuilder('c').where('c.tenant_id = :tenantId', { tenantId });
    return newestFirst(qb, 'c', page).getMany();
  }

  find(tenantId: TenantId, id: string): Promise<CredentialEntity | null> {
    return this.repo().findOne({ where: { id, tenant_id: tenantId } });
  }

  async update(tenantId: TenantId, id: string, changes: Partial<CredentialEntity>): Promise<void> {
    await this.repo().update({ id, tenant_id: tenantId }, changes);
  }

  async delete(tenantId: TenantId, id: string): Promise<void> {
    await this.repo().delete({ id, tenant_id: tenantId });
  }

  /** The allowed hosts of the credentials with these names (those that exist), in the caller's transaction. */
  async allowedHostsByName(tenantId: TenantId, names: string[]): Promise<Map<string, string[]>> {
    if (names.length === 0) return new Map();
    const rows = await this.repo().find({
      select: { name: true, allowed_hosts: true },
      where: { tenant_id: tenantId, name: In(names) },
    });
    return new Map(rows.map((r) => [r.name, r.allowed_hosts]));
  }

  /** The sealed values of the credentials with these names (those that exist), in one round trip of their own. */
  sealedByName(tenantId: TenantId, names: string[]): Promise<SealedCredential[]> {
    return this.trip.query<SealedCredential>(
      tenantId,
      `SELECT id, name, value_sealed, allowed_hosts FROM credentials WHERE tenant_id = $1::uuid AND name = ANY($2::text[])`,
      [tenantId, textArray(names)],
      { durable: true },
    );
  }

  private repo() {
    return this.db.em.getRepository(CredentialEntity);
  }
}

/** A PostgreSQL array literal of texts (for a simple-protocol round trip, which takes no array parameters). */
function textArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
}
