// Runs the monitors' checks in every worker: every MONITOR_TICK_MS it asks which tenants have a due monitor (ids only,
// one statement), claims due monitors in each (MonitorsRepository.claimDue: next_check_at moved one interval on under
// FOR UPDATE SKIP LOCKED) and starts their checks, at most MONITOR_CHECK_CONCURRENCY at a time in this process.
//
// Why rows and not BullMQ job schedulers: PostgreSQL is the schedule, so a Redis flush or outage loses no monitor and
// needs no reconciler, several workers share the work without coordinating, and the claim and the unique slot of
// monitor_checks make one check per interval a database guarantee rather than a property of Redis's state. A worker
// that dies mid-check loses that one slot's check (the next slot is claimed as usual); it never doubles one.
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DatabaseAvailability, SystemContext, TenantContext } from '@conduit/database';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { ClaimedCheck, MonitorsRepository } from '../repositories/monitors.repository';
import { MonitorChecker } from './monitor-checker';

/** At most this many claims per tenant and tick, so one tenant's many monitors do not hold the others up. */
const PER_TENANT_CLAIM = 100;

@Injectable()
export class MonitorScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MonitorScheduler.name);
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;

  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly db: TenantContext,
    private readonly system: SystemContext,
    private readonly monitors: MonitorsRepository,
    private readonly checker: MonitorChecker,
    private readonly database: DatabaseAvailability,
  ) {}

  onApplicationBootstrap(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), this.config.MONITOR_TICK_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.ticking;
    // Checks already claimed finish and are recorded (each at most timeout_ms).
    await Promise.allSettled([...this.inFlight]);
  }

  /** One pass: claims what is due (up to the free capacity) and starts those checks; answers how many it started. */
  async runOnce(): Promise<number> {
    const capacity = this.config.MONITOR_CHECK_CONCURRENCY;
    if (this.inFlight.size >= capacity) return 0;
    const tenants = await this.system.run('monitors.due', (plane) => plane.tenantsWithDueWork({ kind: 'monitors' }), {
      routine: true,
    });
    let started = 0;
    for (const tenantId of tenants) {
      const room = Math.min(capacity - this.inFlight.size, PER_TENANT_CLAIM);
      if (room <= 0 || this.stopping) break;
      const claimed = await this.db.runInTenant(tenantId, () => this.monitors.claimDue(tenantId, room));
      for (const claim of claimed) this.start(claim);
      started += claimed.length;
    }
    return started;
  }

  private start(claim: ClaimedCheck): void {
    const running: Promise<void> = this.checker
      .check(claim)
      .catch((err: unknown) => {
        if (!this.database.notice(err))
          this.logger.warn(
            { tenant_id: claim.tenant_id, monitor_id: claim.id, err: (err as Error).message },
            'recording a monitor check failed',
          );
      })
      .finally(() => this.inFlight.delete(running));
    this.inFlight.add(running);
  }

  private tick(): void {
    if (this.ticking || this.stopping) return;
    this.ticking = this.runOnce()
      .then(() => undefined)
      .catch((err: unknown) => {
        // A database outage is logged once, not with each tick that met it.
        if (!this.database.notice(err)) this.logger.warn({ err: (err as Error).message }, 'scheduling monitors failed');
      })
      .finally(() => (this.ticking = undefined));
  }
}
