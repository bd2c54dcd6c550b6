// A tenant's HTTP monitors: CRUD with the rules the DTOs cannot see (the configured smallest interval, a timeout
// within the interval), the checks' list and the window's statistics. Checking is the worker's (engine/).
import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { TenantContext } from '@conduit/database';
import {
  Clock,
  CommonException,
  ConduitConfig,
  IdGenerator,
  InjectConfig,
  Page,
  TenantId,
  decodeCursor,
  isUuid,
  toPage,
} from '@conduit/platform';
import {
  CreateMonitorDto,
  DEFAULT_FAILURE_THRESHOLD,
  DEFAULT_INTERVAL_SECONDS,
  DEFAULT_TIMEOUT_MS,
  ListMonitorsQueryDto,
  MonitorResponse,
  UpdateMonitorDto,
} from './dto/monitor.dto';
import { ListMonitorChecksQueryDto, MonitorCheckResponse, MonitorStatsResponse } from './dto/monitor-check.dto';
import { MonitorCheckEntity } from './entities/monitor-check.entity';
import { MonitorEntity } from './entities/monitor.entity';
import { DEFAULT_EXPECTED_STATUS } from './expected-status';
import { monitorNotFound } from './monitors.exception';
import { MonitorChecksRepository } from './repositories/monitor-checks.repository';
import { MonitorsRepository } from './repositories/monitors.repository';
import { DEFAULT_WINDOW, parseStatsWindow } from './stats-window';

/** A monitor's settings: what create and update take (and the export writes). */
export const MONITOR_SETTINGS = [
  'name',
  'url',
  'method',
  'interval_seconds',
  'timeout_ms',
  'expected_status',
  'body_contains',
  'failure_threshold',
  'enabled',
] as const;

@Injectable()
export class MonitorsService {
  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly db: TenantContext,
    private readonly monitors: MonitorsRepository,
    private readonly checks: MonitorChecksRepository,
    private readonly access: AccessService,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  async create(body: CreateMonitorDto): Promise<MonitorResponse> {
    const tenantId = this.tenant('create');
    const interval =
      body.interval_seconds ?? Math.max(DEFAULT_INTERVAL_SECONDS, this.config.MONITOR_MIN_INTERVAL_SECONDS);
    const settings = {
      name: body.name,
      url: body.url,
      method: body.method ?? 'GET',
      interval_seconds: interval,
      timeout_ms: body.timeout_ms ?? Math.min(DEFAULT_TIMEOUT_MS, interval * 1000),
      expected_status: body.expected_status ?? DEFAULT_EXPECTED_STATUS,
      body_contains: body.body_contains ?? null,
      failure_threshold: body.failure_threshold ?? DEFAULT_FAILURE_THRESHOLD,
      enabled: body.enabled ?? true,
    };
    this.assertTiming(settings);
    const now = this.clock.now();
    const row: MonitorEntity = {
      id: this.ids.next(),
      tenant_id: tenantId,
      ...settings,
      status: 'unknown',
      consecutive_failures: 0,
      last_checked_at: null,
      last_latency_ms: null,
      last_slot: null,
      // Due at once: the first check runs within a scheduler tick.
      next_check_at: now,
      created_by: this.access.principal().userId,
      created_at: now,
      updated_at: now,
    };
    await this.db.runInTenant(tenantId, () => this.monitors.insert(row));
    return present(row);
  }

  async list(query: ListMonitorsQueryDto): Promise<Page<MonitorResponse>> {
    const tenantId = this.tenant('read');
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    const filters = {
      ...(query.enabled !== undefined && { enabled: query.enabled === 'true' }),
      ...(query.status !== undefined && { status: query.status }),
    };
    const rows = await this.db.runInTenant(tenantId, () => this.monitors.page(tenantId, filters, { limit, cursor }));
    return toPage(rows, limit, present);
  }

  async get(id: string): Promise<MonitorResponse> {
    const tenantId = this.tenant('read');
    return present(await this.db.runInTenant(tenantId, () => this.found(tenantId, id)));
  }

  /** The keys sent replace the saved ones; the result is checked as a whole. The monitor's state is kept. */
  async update(id: string, body: UpdateMonitorDto): Promise<MonitorResponse> {
    const tenantId = this.tenant('update');
    const given = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) as UpdateMonitorDto;
    if (!MONITOR_SETTINGS.some((k) => k in given))
      throw CommonException.validation('Nothing to update: send at least one field', [
        { field: 'body', message: 'no fields' },
      ]);
    return this.db.runInTenant(tenantId, async () => {
      const row = await this.found(tenantId, id, true);
      const merged = { ...row, ...given };
      this.assertTiming(merged);
      const now = this.clock.now();
      const changes: Partial<MonitorEntity> = { ...given, updated_at: now };
      // Switched on: checked at once. A shorter interval: the next check comes no later than one new interval away.
      if (given.enabled === true && !row.enabled) changes.next_check_at = now;
      else if (given.interval_seconds !== undefined) {
        const soonest = new Date(now.getTime() + given.interval_seconds * 1000);
        if (row.next_check_at > soonest) changes.next_check_at = soonest;
      }
      await this.monitors.update(tenantId, row.id, changes);
      return present({ ...row, ...changes });
    });
  }

  /** Deletes the monitor and its checks. */
  async remove(id: string): Promise<void> {
    const tenantId = this.tenant('delete');
    const deleted = await this.db.runInTenant(tenantId, () =>
      isUuid(id) ? this.monitors.delete(tenantId, id) : Promise.resolve(false),
    );
    if (!deleted) throw monitorNotFound();
  }

  async listChecks(id: string, query: ListMonitorChecksQueryDto): Promise<Page<MonitorCheckResponse>> {
    const tenantId = this.tenant('read');
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    const rows = await this.db.runInTenant(tenantId, async () => {
      await this.found(tenantId, id);
      return this.checks.page(tenantId, id, { limit, cursor });
    });
    // The cursor keys on (checked_at, id), the order of the list.
    return toPage(
      rows.map((r) => ({ ...r, created_at: r.checked_at })),
      limit,
      presentCheck,
    );
  }

  async stats(id: string, window = DEFAULT_WINDOW): Promise<MonitorStatsResponse> {
    const tenantId = this.tenant('read');
    const seconds = parseStatsWindow(window);
    if (seconds === null)
      throw CommonException.validation('window must be a duration from 1h to 30d such as 90m, 24h or 7d', [
        { field: 'window', message: 'a number and m, h or d, from 1h to 30d' },
      ]);
    const since = new Date(this.clock.now().getTime() - seconds * 1000);
    const stats = await this.db.runInTenant(tenantId, async () => {
      await this.found(tenantId, id);
      return this.checks.stats(tenantId, id, since);
    });
    const round = (v: number | null) => (v === null ? null : Math.round(Number(v) * 100) / 100);
    return {
      monitor_id: id,
      window,
      since: since.toISOString(),
      checks: stats.checks,
      ok: stats.ok,
      failed: stats.checks - stats.ok,
      uptime_ratio: stats.checks === 0 ? null : Math.round((stats.ok / stats.checks) * 1e6) / 1e6,
      latency_p50_ms: round(stats.p50),
      latency_p95_ms: round(stats.p95),
      latency_p99_ms: round(stats.p99),
    };
  }

  private async found(tenantId: TenantId, id: string, lock = false): Promise<MonitorEntity> {
    const row = isUuid(id) ? await (lock ? this.monitors.lock(tenantId, id) : this.monitors.find(tenantId, id)) : null;
    if (!row) throw monitorNotFound();
    return row;
  }

  private tenant(action: 'read' | 'create' | 'update' | 'delete'): TenantId {
    const tenantId = this.access.tenant().id;
    this.access.assert(action, 'Monitor', { tenant_id: tenantId }, 'monitor_not_found');
    return tenantId;
  }

  /** 400 validation_failed: an interval under MONITOR_MIN_INTERVAL_SECONDS, a timeout longer than the interval. */
  private assertTiming({ interval_seconds, timeout_ms }: { interval_seconds: number; timeout_ms: number }): void {
    const min = this.config.MONITOR_MIN_INTERVAL_SECONDS;
    if (interval_seconds < min)
      throw CommonException.validation(`interval_seconds must be at least ${min}`, [
        { field: 'interval_seconds', message: `must not be less than ${min}` },
      ]);
    if (timeout_ms > interval_seconds * 1000)
      throw CommonException.validation('timeout_ms must not exceed the interval (interval_seconds × 1000)', [
        { field: 'timeout_ms', message: `must not be greater than ${interval_seconds * 1000}` },
      ]);
  }
}

export function present(r: MonitorEntity): MonitorResponse {
  return {
    id: r.id,
    tenant_id: r.tenant_id,
    name: r.name,
    url: r.url,
    method: r.method,
    interval_seconds: r.interval_seconds,
    timeout_ms: r.timeout_ms,
    expected_status: r.expected_status,
    body_contains: r.body_contains,
    failure_threshold: r.failure_threshold,
    enabled: r.enabled,
    status: r.status,
    consecutive_failures: r.consecutive_failures,
    last_checked_at: r.last_checked_at?.toISOString() ?? null,
    last_latency_ms: r.last_latency_ms,
    next_check_at: r.next_check_at.toISOString(),
    created_by: r.created_by,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

function presentCheck(c: MonitorCheckEntity): MonitorCheckResponse {
  return {
    id: c.id,
    monitor_id: c.monitor_id,
    status: c.status,
    status_code: c.status_code,
    latency_ms: c.latency_ms,
    error: c.error,
    scheduled_for: c.scheduled_for.toISOString(),
    checked_at: c.checked_at.toISOString(),
  };
}
