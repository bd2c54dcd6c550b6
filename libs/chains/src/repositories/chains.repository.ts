// The SQL over execution_chains and their versioned steps, in the caller's transaction: the API's reads and writes
// (optimistic locking on version), and the launch query every publish runs (prepared once per connection).
import { Injectable } from '@nestjs/common';
import { PageRequest, TenantContext, TenantStatement, newestFirst } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { ChainStepEntity } from '../entities/chain-step.entity';
import { ChainEntity } from '../entities/chain.entity';

export interface ChainFilter {
  /** chains triggered by any of these event types or patterns */
  triggerPatterns?: string[];
  active?: boolean;
  /** a part of the name, case-insensitive */
  nameContains?: string;
}

/** A chain about to run, with its first step. */
export interface LaunchableChain {
  id: string;
  tenant_id: TenantId;
  steps_version: number;
  total_steps: number;
  first_step: { id: string; name: string; delay_seconds: number };
}

interface LaunchableRow {
  id: string;
  tenant_id: TenantId;
  steps_version: number;
  step_id: string;
  step_name: string;
  delay_seconds: number;
  total_steps: number;
}

/** A chain with its first step and step count, for launching; the WHERE clause is the caller's. */
const LAUNCHABLE_SELECT = `
  SELECT c.id, c.tenant_id, c.steps_version, s.id AS step_id, s.name AS step_name, s.delay_seconds,
         (SELECT count(*)::int FROM execution_chain_steps x
           WHERE x.tenant_id = c.tenant_id AND x.chain_id = c.id AND x.steps_version = c.steps_version AND x.kind = 'step') AS total_steps
    FROM execution_chains c
    JOIN execution_chain_steps s ON s.tenant_id = c.tenant_id AND s.chain_id = c.id AND s.steps_version = c.steps_version
                                AND s.kind = 'step' AND s.step_order = 1`;

@Injectable()
export class ChainsRepository {
  constructor(private readonly db: TenantContext) {}

  async insert(chain: ChainEntity): Promise<void> {
    await this.db.insert(ChainEntity, chain);
  }

  async insertSteps(rows: ChainStepEntity[]): Promise<void> {
    await this.db.em.getRepository(ChainStepEntity).insert(rows as never);
  }

  /** Live (not deleted) chains, newest first. */
  page(tenantId: TenantId, filter: ChainFilter, page: PageRequest): Promise<ChainEntity[]> {
    const qb = this.repo()
      .createQueryBuilder('c')
      .where('c.tenant_id = :tenantId AND c.deleted_at IS NULL', { tenantId });
    if (filter.triggerPatterns) qb.andWhere('c.trigger_event IN (:...patterns)', { patterns: filter.triggerPatterns });
    if (filter.active !== undefined) qb.andWhere('c.is_active = :active', { active: filter.active });
    if (filter.nameContains)
      qb.andWhere(`c.name ILIKE :name ESCAPE '\\'`, {
        name: `%${filter.nameContains.replace(/[\\%_]/g, (m) => `\\${m}`)}%`,
      });
    return newestFirst(qb, 'c', page).getMany();
  }

  /** The chain, deleted or not. */
  find(tenantId: TenantId, id: string): Promise<ChainEntity | null> {
    return this.repo().findOne({ where: { id, tenant_id: tenantId } });
  }

  /**
   * Applies changes and a new version (version + 1) if the chain is still at expectedVersion; false when it is not
   * (optimistic locking: someone else changed it since).
   */
  async bump(
    tenantId: TenantId,
    id: string,
    expectedVersion: number,
    changes: Partial<ChainEntity>,
    now: Date,
  ): Promise<boolean> {
    const result = await this.repo()
      .createQueryBuilder()
      .update()
      .set({ ...changes, version: () => 'version + 1', updated_at: now } as never)
      .where('id = :id AND tenant_id = :tenantId AND version = :version', { id, tenantId, version: expectedVersion })
      .execute();
    return Boolean(result.affected);
  }

  /** The current steps (of each chain's steps_version), forward steps first. */
  stepsOf(tenantId: TenantId, chainIds: string[]): Promise<ChainStepEntity[]> {
    return this.db.em
      .getRepository(ChainStepEntity)
      .createQueryBuilder('s')
      .where('s.tenant_id = :tenantId AND s.chain_id IN (:...ids)', { tenantId, ids: chainIds })
      .andWhere('s.steps_version = (SELECT c.steps_version FROM execution_chains c WHERE c.id = s.chain_id)')
      .orderBy('s.kind', 'DESC')
      .addOrderBy('s.step_order', 'ASC')
      .getMany();
  }

  /** The names of these chains (deleted ones too), for analytics. */
  async names(tenantId: TenantId, ids: string[]): Promise<{ id: string; name: string }[]> {
    return (await this.db.em.query(
      `SELECT id, name FROM execution_chains WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
      [tenantId, ids],
    )) as { id: string; name: string }[];
  }

  /**
   * Chains (not deleted; their current steps) with a task step on an instance of the integration, running one of
   * `tags` (any task when undefined): what keeps the task or its integration from being deleted.
   */
  async taskUsers(
    tenantId: TenantId,
    integrationUuid: string,
    tags?: readonly string[],
  ): Promise<{ id: string; name: string; task_tag: string }[]> {
    return (await this.db.em.query(
      `SELECT DISTINCT c.id, c.name, s.task_tag
         FROM execution_chain_steps s
         JOIN execution_chains c ON c.tenant_id = s.tenant_id AND c.id = s.chain_id AND c.steps_version = s.steps_version
         JOIN integration_instances i ON i.tenant_id = s.tenant_id AND i.id = s.instance_uuid
        WHERE s.tenant_id = $1 AND s.step_type = 'task' AND c.deleted_at IS NULL AND i.integration_uuid = $2
          AND ($3::text[] IS NULL OR s.task_tag = ANY($3::text[]))
        ORDER BY c.name, c.id, s.task_tag`,
      [tenantId, integrationUuid, tags ? [...tags] : null],
    )) as { id: string; name: string; task_tag: string }[];
  }

  /** Chains (not deleted; their current steps) with a task step running on the instance. */
  async instanceUsers(tenantId: TenantId, instanceUuid: string): Promise<{ id: string; name: string }[]> {
    return (await this.db.em.query(
      `SELECT DISTINCT c.id, c.name
         FROM execution_chain_steps s
         JOIN execution_chains c ON c.tenant_id = s.tenant_id AND c.id = s.chain_id AND c.steps_version = s.steps_version
        WHERE s.tenant_id = $1 AND s.step_type = 'task' AND c.deleted_at IS NULL AND s.instance_uuid = $2
        ORDER BY c.name, c.id`,
      [tenantId, instanceUuid],
    )) as { id: string; name: string }[];
  }

  /** The active chains whose trigger matches one of `patterns` (or the one chain asked for), ready to launch. */
  async launchable(tenantId: TenantId, where: { patterns?: string[]; chainId?: string }): Promise<LaunchableChain[]> {
    // Every publish asks this (the event trigger): a statement of its own, without optional filters, prepared once
    // per connection. Planning the general form below on every publish cost a fifth of the publish path.
    const rows = (
      where.patterns && !where.chainId
        ? await this.db.prepared(
            'conduit_triggered_chains',
            `${LAUNCHABLE_SELECT}
              WHERE c.tenant_id = $1 AND c.deleted_at IS NULL AND c.is_active AND c.trigger_event = ANY($2::text[])
              ORDER BY c.id`,
            [tenantId, where.patterns],
          )
        : await this.db.em.query(
            `${LAUNCHABLE_SELECT}
              WHERE c.tenant_id = $1 AND c.deleted_at IS NULL
                AND ($2::text[] IS NULL OR (c.is_active AND c.trigger_event = ANY($2::text[])))
                AND ($3::uuid IS NULL OR c.id = $3::uuid)
              ORDER BY c.id`,
            [tenantId, where.patterns ?? null, where.chainId ?? null],
          )
    ) as LaunchableRow[];
    return rows.map((r) => ({
      id: r.id,
      tenant_id: r.tenant_id,
      steps_version: r.steps_version,
      total_steps: r.total_steps,
      first_step: { id: r.step_id, name: r.step_name, delay_seconds: r.delay_seconds },
    }));
  }

  /**
   * The names among `events` for which launchable(their patterns) could find a chain (rows of `event_name`), for a
   * round trip its caller runs in the tenant (the API's publish group commit). It may name one launchable() would find
   * nothing for (a chain without steps), never leave out one it would launch.
   */
  triggeredProbe(tenantId: TenantId, events: { name: string; patterns: string[] }[]): TenantStatement {
    return {
      sql: `SELECT n.name AS event_name FROM jsonb_to_recordset($2::jsonb) AS n(name text, patterns jsonb)
             WHERE EXISTS (SELECT 1 FROM execution_chains c
                            WHERE c.tenant_id = $1::uuid AND c.deleted_at IS NULL AND c.is_active
                              AND c.trigger_event IN (SELECT jsonb_array_elements_text(n.patterns)))`,
      values: [tenantId, JSON.stringify(events)],
    };
  }

  private repo() {
    return this.db.em.getRepository(ChainEntity);
  }
}
