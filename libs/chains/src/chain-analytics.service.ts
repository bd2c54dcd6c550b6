// Execution chain metrics (seed 000 "Execution Chain Metrics"): completion rate, run time, failures by step; from the
// window's rollups and its other parts counted live (ChainRunRollupSource).
import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import {
  ANALYTICS_MAX_WINDOW_DAYS,
  AnalyticsRollups,
  TenantContext,
  count,
  counts,
  histogramPercentiles,
} from '@conduit/database';
import { Clock, ConduitConfig, InjectConfig, assertTimeWindow } from '@conduit/platform';
import { ChainRunRollupSource } from './repositories/chain-run-rollup-source';
import { ChainsRepository } from './repositories/chains.repository';
import { ChainAnalyticsQueryDto, ChainAnalyticsResponse, ChainRunStats } from './dto/chain-analytics.dto';

const DAY_MS = 24 * 3600 * 1000;

const rate = (completed: number, failed: number) =>
  completed + failed > 0 ? Number((completed / (completed + failed)).toFixed(4)) : null;

@Injectable()
export class ChainAnalyticsService {
  constructor(
    private readonly db: TenantContext,
    private readonly chainRows: ChainsRepository,
    private readonly access: AccessService,
    private readonly clock: Clock,
    private readonly rollups: AnalyticsRollups,
    private readonly stats: ChainRunRollupSource,
    @InjectConfig() private readonly config: ConduitConfig,
  ) {}

  async chains(query: ChainAnalyticsQueryDto): Promise<ChainAnalyticsResponse> {
    const tenantId = this.access.tenant().id;
    this.access.assert('read', 'ChainRun', { tenant_id: tenantId });
    const until = query.until ?? this.clock.now();
    const since = query.since ?? new Date(until.getTime() - DAY_MS);
    assertTimeWindow(since, until, ANALYTICS_MAX_WINDOW_DAYS);
    // Analytics over a wide window may take longer than a request's statement_timeout; they get their own budget.
    await this.db.setLocalStatementTimeout(this.config.ANALYTICS_STATEMENT_TIMEOUT_MS);
    const figures = await this.rollups.window(this.stats, tenantId, since, until, query.chain_id ?? null);
    const names = await this.chainRows.names(tenantId, [...figures.keys()]);
    const data: ChainRunStats[] = names.map(({ id, name }) => {
      const f = figures.get(id) ?? {};
      const [p95] = histogramPercentiles(counts(f, 'durations'), [0.95]);
      const timed = count(f, 'timed');
      return {
        chain_id: id,
        chain_name: name,
        runs: count(f, 'runs'),
        completed: count(f, 'completed'),
        failed: count(f, 'failed'),
        cancelled: count(f, 'cancelled'),
        in_flight: count(f, 'in_flight'),
        completion_rate: rate(count(f, 'completed'), count(f, 'failed')),
        avg_duration_ms: timed === 0 ? null : Math.round(count(f, 'duration_sum_ms') / timed),
        p95_duration_ms: p95 === null ? null : Math.round(p95),
        failures_by_step: failuresByStep(counts(f, 'step_failures')),
      };
    });
    data.sort((a, b) => b.runs - a.runs || (a.chain_id < b.chain_id ? -1 : 1));
    const completed = data.reduce((n, d) => n + d.completed, 0);
    const failed = data.reduce((n, d) => n + d.failed, 0);
    return { since: since.toISOString(), until: until.toISOString(), completion_rate: rate(completed, failed), data };
  }
}

/** {"[step_order,name]": failures} as failures_by_step: most failures first, then by step order. */
function failuresByStep(failures: Record<string, number>): ChainRunStats['failures_by_step'] {
  return Object.entries(failures)
    .map(([label, n]) => {
      const [step_order, step_name] = JSON.parse(label) as [number, string];
      return { step_order, step_name, failures: n };
    })
    .sort((a, b) => b.failures - a.failures || a.step_order - b.step_order);
}
