// The compliance report of a month: per tenant in the caller's reach, its events and peaks as the worker counted them,
// and for platform admins the installation against events_per_month. JSON, or CSV (one line per tenant).
import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { TenantContext } from '@conduit/database';
import { Clock, TenantId } from '@conduit/platform';
import {
  ReportAllocationResponse,
  ReportInstallationResponse,
  LicenseReportResponse,
  ReportTenantResponse,
} from '../dto/license-report.dto';
import { LicenseState } from '../license-state';
import { AllocationsRepository } from '../repositories/allocations.repository';
import { UsageRepository } from '../repositories/usage.repository';
import { CsvValue, toCsv } from './csv';
import { UsageMonth, monthDate, monthOf, parseReportMonth } from './usage-month';
import { QuotaThreshold, crossedThresholds, percentOf } from '../quota-thresholds';

export const REPORT_CSV_COLUMNS = [
  'month',
  'scope',
  'tenant_id',
  'tenant_code',
  'tenant_name',
  'parent_id',
  'events',
  'events_published',
  'events_received',
  'peak_users',
  'peak_child_tenants',
  'events_per_month_limit',
  'quota_reached',
] as const;

@Injectable()
export class UsageReportService {
  constructor(
    private readonly access: AccessService,
    private readonly db: TenantContext,
    private readonly usage: UsageRepository,
    private readonly license: LicenseState,
    private readonly allocations: AllocationsRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * Platform admins acting in their own tenant get every tenant and the installation's total; anyone else allowed (an
   * MSSP admin, or a platform admin acting in another tenant) the tenant the request acts in and its subtree.
   */
  async report(monthParam: string | undefined): Promise<LicenseReportResponse> {
    const { principal, tenant } = this.access.identity();
    this.access.assert('read', 'LicenseUsage', { tenant_id: tenant.id });
    const now = this.clock.now();
    const month = parseReportMonth(monthParam, now);
    const everyTenant = principal.role === 'platform_admin' && tenant.id === principal.homeTenantId;
    const tenants = await this.usage.reportTenants(everyTenant ? null : tenant.id, month.start);
    const rows: ReportTenantResponse[] = [];
    for (const t of tenants) {
      // Each tenant's month under its own RLS scope, in the request's transaction (one round trip each).
      const usage = await this.db.runInTenant(t.id, () => this.usage.tenantMonth(t.id, monthDate(month)));
      rows.push({
        tenant_id: t.id,
        code: t.code,
        name: t.name,
        parent_id: t.parent_id,
        events: usage.events_published + usage.events_received,
        ...usage,
      });
    }
    const sum = (field: 'events' | 'events_published' | 'events_received') =>
      rows.reduce((total, r) => total + r[field], 0);
    return {
      month: month.name,
      in_progress: month.name === monthOf(now).name,
      generated_at: now.toISOString(),
      scope_tenant_id: everyTenant ? null : tenant.id,
      installation: everyTenant ? await this.installation(month) : null,
      allocation: everyTenant ? null : await this.allocation(tenant.id, month, sum('events')),
      totals: {
        events: sum('events'),
        events_published: sum('events_published'),
        events_received: sum('events_received'),
      },
      tenants: rows,
    };
  }

  /** The report as CSV: a header, a line per tenant and, for platform admins, the installation's line last. */
  csv(report: LicenseReportResponse): string {
    const lines: CsvValue[][] = report.tenants.map((t) => [
      report.month,
      'tenant',
      t.tenant_id,
      t.code,
      t.name,
      t.parent_id,
      t.events,
      t.events_published,
      t.events_received,
      t.peak_users,
      t.peak_child_tenants,
      null,
      null,
    ]);
    const i = report.installation;
    if (i)
      lines.push([
        report.month,
        'installation',
        null,
        null,
        null,
        null,
        i.events,
        null,
        null,
        null,
        null,
        i.events_per_month_limit,
        i.quota_reached,
      ]);
    return toCsv(REPORT_CSV_COLUMNS, lines);
  }

  /** The subtree's events against the tenant's allocation of events_per_month, as the usage notifier compares them. */
  private async allocation(
    tenantId: TenantId,
    month: UsageMonth,
    events: number,
  ): Promise<ReportAllocationResponse | null> {
    const [row] = await this.allocations.of([tenantId]);
    const limit = row?.quotas.events_per_month;
    if (typeof limit !== 'number') return null;
    const notices = await this.usage.allocationNotices(tenantId, monthDate(month), 'events_per_month');
    return againstLimit(events, limit, notices);
  }

  private async installation(month: UsageMonth): Promise<ReportInstallationResponse> {
    const date = monthDate(month);
    const events = await this.usage.installationEvents(date);
    const notices = await this.usage.notices(date, 'events_per_month');
    return againstLimit(events, this.license.current().quotas.events_per_month, notices);
  }
}

/**
 * A month's events against an events_per_month limit, with the thresholds crossed: also when the limit was lower when
 * one was crossed (its notification's time says so).
 */
function againstLimit(events: number, limit: number, notices: readonly Notice[]): ReportAllocationResponse;
function againstLimit(events: number, limit: number | null, notices: readonly Notice[]): ReportInstallationResponse;
function againstLimit(events: number, limit: number | null, notices: readonly Notice[]): ReportInstallationResponse {
  const crossed = crossedThresholds(events, limit);
  const at = (threshold: Notice['threshold']) =>
    notices.find((n) => n.threshold === threshold)?.at.toISOString() ?? null;
  return {
    events,
    events_per_month_limit: limit,
    percent: percentOf(events, limit),
    quota_warning: crossed.includes('warning') || at('warning') !== null,
    quota_reached: crossed.includes('reached') || at('reached') !== null,
    quota_warning_at: at('warning'),
    quota_reached_at: at('reached'),
  };
}

interface Notice {
  threshold: QuotaThreshold;
  at: Date;
}
