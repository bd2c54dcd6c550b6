// The SQL over cases and case_counters, in the caller's transaction: the ingest's batched statements (key locks, the
// open cases of some keys, numbers taken n at a time, multi-row insert and update), the API's reads and its
// version-checked update, and the retention of closed cases.
import { Injectable } from '@nestjs/common';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { PageRequest, TenantContext, newestFirst, returnedRows, within } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { CaseEntity, CaseSource, CaseStatus, Severity } from '../entities/case.entity';

export interface CaseFilters {
  status?: CaseStatus;
  severity?: Severity;
  instance_uuid?: string;
  source?: CaseSource;
  since?: Date;
  until?: Date;
  q?: string;
}

/** Where ingested cases come from: the instance or the inbound source they are correlated within. */
export interface CaseOrigin {
  instance_uuid: string | null;
  inbound_source_id: string | null;
}

@Injectable()
export class CasesRepository {
  constructor(private readonly db: TenantContext) {}

  private repo() {
    return this.db.em.getRepository(CaseEntity);
  }

  /**
   * A transaction-scoped advisory lock on the source (an instance or inbound source): its ingests run one at a time,
   * so one never opens a second case for a key another is opening, nor stores an event another is storing.
   */
  async lockSource(sourceRef: string): Promise<void> {
    await this.db.prepared(
      'cases_lock_source',
      `SELECT pg_advisory_xact_lock(hashtextextended('case-source:' || $1::text, 0))`,
      [sourceRef],
    );
  }

  /** The newest open (open or in_progress) case of each key, for this origin, locked for update. */
  openCases(tenantId: TenantId, origin: CaseOrigin, keys: string[]): Promise<CaseEntity[]> {
    if (keys.length === 0) return Promise.resolve([]);
    // One probe of the open-case index per key (a LATERAL with LIMIT 1), not `case_key = ANY(...)`: the prepared
    // statement's generic plan must not depend on statistics a growing table outruns (that form scanned the table).
    // The probe reads and locks the row itself: a join back to cases by id got a generic plan, made while the table
    // was small, that compared every probed id with every case of the tenant (603,151 rows filtered for 160 found).
    return this.db.prepared<CaseEntity>(
      'cases_open_by_key_probe',
      `SELECT pick.* FROM (SELECT DISTINCT unnest($2::text[]) AS case_key) k
        CROSS JOIN LATERAL (
          SELECT * FROM cases
           WHERE tenant_id = $1 AND case_key = k.case_key AND status IN ('open', 'in_progress')
             AND instance_uuid IS NOT DISTINCT FROM $3::uuid AND inbound_source_id IS NOT DISTINCT FROM $4::uuid
           ORDER BY last_event_at DESC NULLS LAST, id DESC LIMIT 1
             FOR UPDATE) pick`,
      [tenantId, keys, origin.instance_uuid, origin.inbound_source_id],
    );
  }

  /** The tenant's next `count` case numbers, by one upsert whose row stays locked until the transaction ends. */
  async nextNumbers(tenantId: TenantId, count: number): Promise<number[]> {
    const rows = await this.db.prepared<{ last_value: number }>(
      'case_counters_next',
      `INSERT INTO case_counters (tenant_id, last_value) VALUES ($1, $2)
       ON CONFLICT (tenant_id) DO UPDATE SET last_value = case_counters.last_value + $2
       RETURNING last_value`,
      [tenantId, count],
    );
    const last = rows[0].last_value;
    return Array.from({ length: count }, (_, i) => last - count + 1 + i);
  }

  /**
   * Inserts the cases an ingest opened in one prepared statement over unnest: open, untagged, unassigned, version 1,
   * created now. (TypeORM's multi-row insert built a fresh statement with 21 parameters per row each time: 8-14 ms
   * for a page's 100 cases in bench/cases-poller.ts.)
   */
  async insertOpened(tenantId: TenantId, rows: CaseEntity[], now: Date): Promise<void> {
    if (rows.length === 0) return;
    const col = <K extends keyof CaseEntity>(k: K) => rows.map((r) => r[k]);
    await this.db.prepared(
      'cases_insert_opened',
      `INSERT INTO cases (id, tenant_id, case_id, title, severity, status, source, instance_uuid, inbound_source_id,
                          case_key, tags, version, event_count, first_event_at, last_event_at, escalated_at,
                          created_at, updated_at)
       SELECT c.id, $1, c.case_id, c.title, c.severity, 'open', c.source, c.instance_uuid, c.inbound_source_id,
              c.case_key, '{}', 1, c.event_count, c.first_event_at, c.last_event_at, c.escalated_at, $2, $2
         FROM unnest($3::uuid[], $4::int[], $5::text[], $6::text[], $7::text[], $8::uuid[], $9::uuid[], $10::text[],
                     $11::int[], $12::timestamptz[], $13::timestamptz[], $14::timestamptz[])
              AS c(id, case_id, title, severity, source, instance_uuid, inbound_source_id, case_key, event_count,
                   first_event_at, last_event_at, escalated_at)`,
      [
        tenantId,
        now,
        col('id'),
        col('case_id'),
        col('title'),
        col('severity'),
        col('source'),
        col('instance_uuid'),
        col('inbound_source_id'),
        col('case_key'),
        col('event_count'),
        col('first_event_at'),
        col('last_event_at'),
        col('escalated_at'),
      ],
    );
  }

  /** Writes the ingest's changes to existing cases (counts, times, severity, escalation) in one statement. */
  async applyIngest(tenantId: TenantId, rows: CaseEntity[], now: Date): Promise<void> {
    if (rows.length === 0) return;
    const col = <K extends keyof CaseEntity>(k: K) => rows.map((r) => r[k]);
    await this.db.prepared(
      'cases_apply_ingest',
      `UPDATE cases c SET event_count = u.event_count, first_event_at = u.first_event_at,
              last_event_at = u.last_event_at, severity = u.severity, escalated_at = u.escalated_at,
              version = c.version + 1, updated_at = $2
         FROM unnest($3::uuid[], $4::int[], $5::timestamptz[], $6::timestamptz[], $7::text[], $8::timestamptz[])
              AS u(id, event_count, first_event_at, last_event_at, severity, escalated_at)
        WHERE c.tenant_id = $1 AND c.id = u.id`,
      [
        tenantId,
        now,
        col('id'),
        col('event_count'),
        col('first_event_at'),
        col('last_event_at'),
        col('severity'),
        col('escalated_at'),
      ],
    );
  }

  insert(row: CaseEntity): Promise<void> {
    return this.db.insert(CaseEntity, row);
  }

  find(tenantId: TenantId, id: string): Promise<CaseEntity | null> {
    return this.repo().findOne({ where: { id, tenant_id: tenantId } });
  }

  /** The case numbered `caseNumber` (the seed's case id) of this instance, or without an instance when null. */
  findByNumber(tenantId: TenantId, caseNumber: number, instanceUuid: string | null): Promise<CaseEntity | null> {
    return this.repo()
      .createQueryBuilder('c')
      .where('c.tenant_id = :tenantId AND c.case_id = :caseNumber', { tenantId, caseNumber })
      .andWhere(instanceUuid === null ? 'c.instance_uuid IS NULL' : 'c.instance_uuid = :instanceUuid', { instanceUuid })
      .getOne();
  }

  /** Applies the changes when the case is still at `version`; answers the updated row, or null when it is not. */
  async updateAtVersion(
    tenantId: TenantId,
    id: string,
    version: number,
    changes: QueryDeepPartialEntity<CaseEntity>,
  ): Promise<CaseEntity | null> {
    const result = await this.repo()
      .createQueryBuilder()
      .update(CaseEntity)
      .set({ ...changes, version: () => 'version + 1' })
      .where('tenant_id = :tenantId AND id = :id AND version = :version', { tenantId, id, version })
      .returning('*')
      .execute();
    const raw = result.raw as CaseEntity[];
    return raw.length ? raw[0] : null;
  }

  page(tenantId: TenantId, filters: CaseFilters, page: PageRequest): Promise<CaseEntity[]> {
    const qb = this.repo().createQueryBuilder('c').where('c.tenant_id = :tenantId', { tenantId });
    if (filters.status) qb.andWhere('c.status = :status', { status: filters.status });
    if (filters.severity) qb.andWhere('c.severity = :severity', { severity: filters.severity });
    if (filters.source) qb.andWhere('c.source = :source', { source: filters.source });
    if (filters.instance_uuid) qb.andWhere('c.instance_uuid = :instance', { instance: filters.instance_uuid });
    if (filters.q) qb.andWhere(`c.title ILIKE :q ESCAPE '\\'`, { q: `%${filters.q.replace(/[\\%_]/g, '\\$&')}%` });
    within(qb, 'c', filters);
    return newestFirst(qb, 'c', page).getMany();
  }

  /** Deletes up to `batch` cases closed before the cutoff (their events go with them); answers how many. */
  async deleteClosedBefore(tenantId: TenantId, cutoff: Date, batch: number): Promise<number> {
    const rows = (await this.db.em.query(
      `DELETE FROM cases WHERE id IN (
         SELECT id FROM cases WHERE tenant_id = $1 AND status = 'closed' AND closed_at < $2 LIMIT $3)
       RETURNING id`,
      [tenantId, cutoff, batch],
    )) as unknown;
    return returnedRows(rows).length;
  }
}
