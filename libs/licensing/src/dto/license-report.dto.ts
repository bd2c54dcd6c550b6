import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString } from 'class-validator';

export class LicenseReportQueryDto {
  @ApiPropertyOptional({
    example: '2026-11',
    description:
      'A calendar month (UTC) as YYYY-MM, from 2000-01 up to the current month; default: the current month. ' +
      'Anything else is 400 invalid_report_month',
  })
  @IsOptional()
  @IsString()
  month?: string;
}

export class ReportTenantResponse {
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ example: 'acme' }) code: string;
  @ApiProperty({ example: 'Acme Corp' }) name: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) parent_id: string | null;
  @ApiProperty({ example: 1520, description: 'events_published + events_received' }) events: number;
  @ApiProperty({ example: 1200, description: 'Events published through the API (POST /api/v1/events)' })
  events_published: number;
  @ApiProperty({ example: 320, description: 'Webhooks received by the ingestion endpoints' })
  events_received: number;
  @ApiProperty({ example: 12, description: 'Most memberships of this tenant seen during the month' })
  peak_users: number;
  @ApiProperty({ example: 3, description: 'Most live child tenants (one level down) seen during the month' })
  peak_child_tenants: number;
}

export class ReportTotalsResponse {
  @ApiProperty({ example: 1520 }) events: number;
  @ApiProperty({ example: 1200 }) events_published: number;
  @ApiProperty({ example: 320 }) events_received: number;
}

export class ReportInstallationResponse {
  @ApiProperty({ example: 812000, description: "Every tenant's events in the month, deleted tenants' included" })
  events: number;
  @ApiProperty({
    example: 1000000,
    nullable: true,
    type: Number,
    description: 'events_per_month of the licence in force now (null: unlimited)',
  })
  events_per_month_limit: number | null;
  @ApiProperty({ example: 81, nullable: true, type: Number, description: 'events as a whole percentage of the limit' })
  percent: number | null;
  @ApiProperty({ description: 'events reached 80% of the limit' }) quota_warning: boolean;
  @ApiProperty({ description: 'events reached the limit (never enforced: no event is dropped)' })
  quota_reached: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'When license.quota_warning was published for this month',
  })
  quota_warning_at: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: 'When license.quota_reached was published for this month',
  })
  quota_reached_at: string | null;
}

export class ReportAllocationResponse {
  @ApiProperty({
    example: 160250,
    description: "The subtree's events in the month (the totals below), against the tenant's allocation",
  })
  events: number;
  @ApiProperty({ example: 200000, description: "events_per_month of the tenant's allocation in force now" })
  events_per_month_limit: number;
  @ApiProperty({ example: 80, description: 'events as a whole percentage of the limit' }) percent: number;
  @ApiProperty({ description: 'events reached 80% of the allocation' }) quota_warning: boolean;
  @ApiProperty({ description: 'events reached the allocation (never enforced: no event is dropped)' })
  quota_reached: boolean;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: "When license.quota_warning was published into the tenant's stream for this month",
  })
  quota_warning_at: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    format: 'date-time',
    description: "When license.quota_reached was published into the tenant's stream for this month",
  })
  quota_reached_at: string | null;
}

export class LicenseReportResponse {
  @ApiProperty({ example: '2026-11' }) month: string;
  @ApiProperty({ description: 'The month is the current one: its figures still grow' }) in_progress: boolean;
  @ApiProperty({ format: 'date-time' }) generated_at: string;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The tenant whose subtree the report covers; null: every tenant (platform admins)',
  })
  scope_tenant_id: string | null;
  @ApiProperty({
    type: ReportInstallationResponse,
    nullable: true,
    description: 'The whole installation against events_per_month; platform admins only (null for MSSP admins)',
  })
  installation: ReportInstallationResponse | null;
  @ApiProperty({
    type: ReportAllocationResponse,
    nullable: true,
    description:
      "The subtree against the events_per_month of scope_tenant_id's allocation; null: every tenant, or the tenant " +
      'holds no allocation of events_per_month',
  })
  allocation: ReportAllocationResponse | null;
  @ApiProperty({ type: ReportTotalsResponse, description: 'The sum over the tenants listed' })
  totals: ReportTotalsResponse;
  @ApiProperty({ type: [ReportTenantResponse], description: 'By code; tenants deleted before the month are left out' })
  tenants: ReportTenantResponse[];
}
