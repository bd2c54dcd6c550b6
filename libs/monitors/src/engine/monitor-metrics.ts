// The monitors' metrics, in the worker's registry, labelled by tenant_id and monitor_id only. Counters add up across
// workers; the gauges hold what this worker's last check of the monitor found, with its time, since any worker may
// run a monitor's next check (see docs/monitors.md, "Metrics"). A monitor this worker has not checked for a while
// (deleted, disabled, or checked by other workers) loses its series here, so the label set follows the live monitors.
import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { MetricsRegistry } from '@conduit/platform';
import type { MonitorStatus } from '../entities/monitor.entity';

type Labels = 'tenant_id' | 'monitor_id';

/** A monitor's series go when this worker has not checked it for this many intervals, and at least STALE_MIN_MS. */
const STALE_INTERVALS = 3;
const STALE_MIN_MS = 10 * 60_000;
const PRUNE_EVERY_MS = 60_000;

export interface RecordedCheck {
  tenantId: string;
  monitorId: string;
  intervalSeconds: number;
  ok: boolean;
  latencyMs: number;
  checkedAt: Date;
  /** The monitor's state after this check. */
  status: MonitorStatus;
}

@Injectable()
export class MonitorMetrics {
  private readonly checks: Counter<Labels | 'result'>;
  private readonly up: Gauge<Labels>;
  private readonly latency: Gauge<Labels>;
  private readonly lastCheck: Gauge<Labels>;
  /** Per monitor with series here: until when they are kept (process time, performance.now()). */
  private readonly keepUntil = new Map<string, { tenantId: string; monitorId: string; until: number }>();
  private prunedAt = performance.now();

  constructor({ registry }: MetricsRegistry) {
    this.checks = new Counter({
      name: 'conduit_monitor_checks_total',
      help: 'Checks of HTTP monitors run by this worker, by result (ok, failed)',
      labelNames: ['tenant_id', 'monitor_id', 'result'] as const,
      registers: [registry],
    });
    this.up = new Gauge({
      name: 'conduit_monitor_up',
      help: 'Whether the monitor is up (1) or down (0) after the last check this worker ran (absent while unknown)',
      labelNames: ['tenant_id', 'monitor_id'] as const,
      registers: [registry],
    });
    this.latency = new Gauge({
      name: 'conduit_monitor_last_latency_seconds',
      help: 'Latency of the last check of the monitor this worker ran',
      labelNames: ['tenant_id', 'monitor_id'] as const,
      registers: [registry],
    });
    this.lastCheck = new Gauge({
      name: 'conduit_monitor_last_check_timestamp_seconds',
      help: 'When the last check of the monitor this worker ran ended (Unix time): the freshest worker has the state',
      labelNames: ['tenant_id', 'monitor_id'] as const,
      registers: [registry],
    });
  }

  observe(check: RecordedCheck): void {
    const labels = { tenant_id: check.tenantId, monitor_id: check.monitorId };
    this.checks.inc({ ...labels, result: check.ok ? 'ok' : 'failed' });
    this.latency.set(labels, check.latencyMs / 1000);
    this.lastCheck.set(labels, check.checkedAt.getTime() / 1000);
    if (check.status === 'unknown') this.up.remove(labels);
    else this.up.set(labels, check.status === 'up' ? 1 : 0);
    const now = performance.now();
    const keep = Math.max(STALE_INTERVALS * check.intervalSeconds * 1000, STALE_MIN_MS);
    this.keepUntil.set(check.monitorId, { tenantId: check.tenantId, monitorId: check.monitorId, until: now + keep });
    if (now - this.prunedAt >= PRUNE_EVERY_MS) this.prune(now);
  }

  private prune(now: number): void {
    this.prunedAt = now;
    for (const entry of [...this.keepUntil.values()]) {
      if (entry.until < now) this.forget(entry.tenantId, entry.monitorId);
    }
  }

  /** The monitor is gone (deleted): its series go too. */
  forget(tenantId: string, monitorId: string): void {
    const labels = { tenant_id: tenantId, monitor_id: monitorId };
    this.keepUntil.delete(monitorId);
    for (const result of ['ok', 'failed']) this.checks.remove({ ...labels, result });
    this.up.remove(labels);
    this.latency.remove(labels);
    this.lastCheck.remove(labels);
  }
}
