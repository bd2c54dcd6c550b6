// The licence's gauges in the API's registry, read from the licence in force when scraped: seconds to its expiry
// (negative once past), which plan applies, and each quota's limit and the installation's usage of it. Usage is
// counted in the database, at most once every QUOTA_USAGE_TTL_MS however often (and by however many) it is scraped,
// and a scrape waits for it at most QUOTA_USAGE_WAIT_MS.
import { Injectable, Logger } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { SystemContext } from '@conduit/database';
import { Clock, MetricsRegistry } from '@conduit/platform';
import { LicenseState } from './license-state';
import { QUOTAS } from './license-terms';
import { LicenseUsage, QuotaFigures } from './license-usage';
import { ENFORCED_QUOTAS } from './quota-counters';

/** How long a count of usage answers scrapes (by the Clock: a count older than this, or from the future, is redone). */
export const QUOTA_USAGE_TTL_MS = 5000;
/**
 * How long a scrape waits for a count it started: a count takes milliseconds; with the pool exhausted or the database
 * away, /metrics still answers quickly (the pool's own gauges are what is wanted then), with the last count, while the
 * count goes on in the background.
 */
export const QUOTA_USAGE_WAIT_MS = 500;

/** The installation's usage, counted at most once per QUOTA_USAGE_TTL_MS; concurrent scrapes share one count. */
class CachedUsage {
  private readonly logger = new Logger('LicenseMetrics');
  private value: { at: number; figures: QuotaFigures } | undefined;
  private counting: Promise<QuotaFigures | undefined> | undefined;

  constructor(
    private readonly count: () => Promise<QuotaFigures>,
    private readonly clock: Clock,
  ) {}

  /** The latest count, redone when stale; undefined before any count succeeded. */
  async read(): Promise<QuotaFigures | undefined> {
    const now = this.clock.now().getTime();
    if (this.value && now >= this.value.at && now - this.value.at < QUOTA_USAGE_TTL_MS) return this.value.figures;
    this.counting ??= this.count()
      .then((figures) => {
        this.value = { at: this.clock.now().getTime(), figures };
        return figures;
      })
      .catch((err: unknown) => {
        // The scrape still answers, with the last count (the database's own metrics say why it failed).
        this.logger.debug({ err: (err as Error).message }, 'counting quota usage for the gauges failed');
        return undefined;
      })
      .finally(() => (this.counting = undefined));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>(
      (resolve) => (timer = setTimeout(() => resolve(undefined), QUOTA_USAGE_WAIT_MS)),
    );
    try {
      return (await Promise.race([this.counting, late])) ?? this.value?.figures;
    } finally {
      clearTimeout(timer);
    }
  }
}

@Injectable()
export class LicenseMetrics {
  constructor(
    { registry }: MetricsRegistry,
    state: LicenseState,
    clock: Clock,
    system: SystemContext,
    usage: LicenseUsage,
  ) {
    new Gauge({
      name: 'conduit_license_expiry_seconds',
      help: 'Seconds until the licence (or trial) in question expires, negative once past; by the plan in force',
      labelNames: ['plan'] as const,
      registers: [registry],
      collect() {
        this.reset();
        const license = state.current();
        if (!license.expires_at) return;
        this.set({ plan: license.plan }, (license.expires_at.getTime() - clock.now().getTime()) / 1000);
      },
    });
    new Gauge({
      name: 'conduit_license_info',
      help: 'The plan in force (1), with its standing and licence id (empty without a licence)',
      labelNames: ['plan', 'standing', 'license_id'] as const,
      registers: [registry],
      collect() {
        this.reset();
        const license = state.current();
        this.set({ plan: license.plan, standing: license.standing, license_id: license.license?.jti ?? '' }, 1);
      },
    });
    new Gauge({
      name: 'conduit_license_quota_limit',
      help: "Each quota's limit under the plan in force, installation-wide; no series for an unlimited quota",
      labelNames: ['quota'] as const,
      registers: [registry],
      collect() {
        this.reset();
        const { quotas } = state.current();
        for (const quota of QUOTAS) {
          const limit = quotas[quota];
          if (limit !== null) this.set({ quota }, limit);
        }
      },
    });
    const cached = new CachedUsage(
      () => system.run('licensing.quota_gauges', () => usage.installation(), { routine: true }),
      clock,
    );
    new Gauge({
      name: 'conduit_license_quota_usage',
      help: `The installation's usage of each enforced quota (tenants, users, integrations, instances), as GET /api/v1/license/usage counts it; counted at most every ${QUOTA_USAGE_TTL_MS / 1000} s`,
      labelNames: ['quota'] as const,
      registers: [registry],
      async collect() {
        const figures = await cached.read();
        // No count yet (the first one failed): no series rather than a wrong 0.
        if (!figures) return;
        for (const quota of ENFORCED_QUOTAS) this.set({ quota }, figures[quota]);
      },
    });
  }
}
