// Execution chain metrics (seed 000 "Execution Chain Metrics"): completion rate, run time, failures by step; in SQL.
import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { TenantContext } from '@conduit/database';
import { Clock, ConduitConfig, InjectConfig, assertTimeWindow } from '@conduit/platform';
import { ChainAnalyticsQueryDto, ChainAnalyticsResponse, ChainRunStats } from './dto/chain-analytics.dto';

const DAY_MS = 24 * 3600 * 1000;
const MAX_WINDOW_DAYS = 93;

interface StatsRow {
  chain_id: string;
  chain_name: string;
  runs: number;
  completed: number;
  failed: number;
  cancelled: number;
  in_flight: number;
  avg_ms: number | null;
  p95_ms: number | null;
}

const rate = (completed: number, failed: number) =>
  completed + failed > 0 ? Number((completed / (completed + failed)).toFixed(4)) : null;

@Injectable()
export class ChainAnalyticsService {
  constructor(
    private readonly db: TenantContext,
    private readonly access: AccessService,
    private readonly clock: Clock,
    @InjectConfig() private readonly config: ConduitConfig,
  ) {}

  async chains(query: ChainAnalyticsQueryDto): Promise<ChainAnalyticsResponse> {
    const tenantId = this.access.tenant().id;
    this.access.assert('read', 'ChainRun', { tenant_id: tenantId });
    const until = query.until ?? this.clock.now();
    const since = query.since ?? new Date(until.getTime() - DAY_MS);
    assertTimeWindow(since, until, MAX_WINDOW_DAYS);
    // Analytics over a wide window may take longer than a request's statement_timeout; they get their own budget.
    await this.db.setLocalStatementTimeout(this.config.ANALYTICS_STATEMENT_TIMEOUT_MS);
    const params = [tenantId, since, until, query.chain_id ?? null];
    // date_part, not extract: extract returns numeric, whose arithmetic over a day of runs costs more than the scan.
    // Failed step runs come from execution_chain_step_runs_failed_idx (AnalyticsIndexes1763970000000), not a scan of
    // every step run of the tenant.
    const rows = (await this.db.em.query(
      `SELECT c.id AS chain_id, c.name AS chain_name,
              count(*)::int AS runs,
              count(*) FILTER (WHERE r.status = 'completed')::int AS completed,
              count(*) FILTER (WHERE r.status = 'failed')::int AS failed,
              count(*) FILTER (WHERE r.status = 'cancelled')::int AS cancelled,
              count(*) FILTER (WHERE r.status IN ('pending', 'running', 'paused'))::int AS in_flight,
              avg(date_part('epoch', r.completed_at - r.started_at) * 1000) FILTER (WHERE r.status = 'completed') AS avg_ms,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY date_part('epoch', r.completed_at - r.started_at) * 1000)
                FILTER (WHERE r.status = 'completed') AS p95_ms
         FROM execution_chain_runs r JOIN execution_chains c ON c.id = r.chain_id
        WHERE r.tenant_id = $1 AND r.created_at >= $2 AND r.created_at < $3 AND ($4::uuid IS NULL OR r.chain_id = $4)
        GROUP BY c.id, c.name
        ORDER BY runs DESC, c.id`,
      params,
    )) as StatsRow[];
    const failures = (await this.db.em.query(
      `SELECT r.chain_id, sr.step_order, sr.name AS step_name, count(*)::int AS failures
         FROM execution_chain_step_runs sr JOIN execution_chain_runs r ON r.id = sr.run_id
        WHERE sr.tenant_id = $1 AND r.created_at >= $2 AND r.created_at < $3 AND ($4::uuid IS NULL OR r.chain_id = $4)
          AND sr.kind = 'step' AND sr.status = 'failed'
        GROUP BY r.chain_id, sr.step_order, sr.name
        ORDER BY failures DESC, sr.step_order`,
      params,
    )) as { chain_id: string; step_order: number; step_name: string; failures: number }[];
    const data: ChainRunStats[] = rows.map((r) => ({
      chain_id: r.chain_id,
      chain_name: r.chain_name,
      runs: r.runs,
      completed: r.completed,
      failed: r.failed,
      cancelled: r.cancelled,
      in_flight: r.in_flight,
      completion_rate: rate(r.completed, r.failed),
      avg_duration_ms: r.avg_ms === null ? null : Math.round(Number(r.avg_ms)),
      p95_duration_ms: r.p95_ms === null ? null : Math.round(Number(r.p95_ms)),
      failures_by_step: failures.filter((f) => f.chain_id === r.chain_id).map(({ chain_id: _c, ...f }) => f),
    }));
    const completed = data.reduce((n, d) => n + d.completed, 0);
    const failed = data.reduce((n, d) => n + d.failed, 0);
    return { since: since.toISOString(), until: until.toISOString(), completion_rate: rate(completed, failed), data };
  }
}
