import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Length,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidationArguments,
} from 'class-validator';
import { IsName, IsOptionalButNotNull, IsPageLimit } from '@conduit/platform';
import { MONITOR_METHODS, MONITOR_STATUSES, MonitorMethod, MonitorStatus } from '../entities/monitor.entity';
import { DEFAULT_EXPECTED_STATUS, parseExpectedStatus } from '../expected-status';

/** http and https only: any other scheme is refused at save (400 validation_failed). */
const URL_OPTIONS = {
  protocols: ['http', 'https'],
  require_protocol: true,
  require_tld: false,
  allow_underscores: true,
};
export const MAX_INTERVAL_SECONDS = 86400;
export const MIN_TIMEOUT_MS = 100;
export const MAX_TIMEOUT_MS = 60_000;
export const DEFAULT_INTERVAL_SECONDS = 60;
export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_FAILURE_THRESHOLD = 3;

const EXPECTED_STATUS_DOC =
  'Status codes counted as success: comma-separated codes (100-599) and inclusive ranges, e.g. "200-299" (default), ' +
  '"200", "200,204,301-302". At most 20 parts.';

const IsExpectedStatus = (): PropertyDecorator =>
  ValidateBy({
    name: 'isExpectedStatus',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && parseExpectedStatus(value) !== null,
      defaultMessage: ({ property }: ValidationArguments) =>
        `${property} must be status codes and ranges such as 200-299 or 200,204,301-302`,
    },
  });

class MonitorSettingsDto {
  @ApiPropertyOptional({
    enum: MONITOR_METHODS,
    default: 'GET',
    description: 'HTTP method of the check (sent without a body)',
  })
  @IsOptionalButNotNull()
  @IsIn(MONITOR_METHODS)
  method?: MonitorMethod;

  @ApiPropertyOptional({
    example: 60,
    default: DEFAULT_INTERVAL_SECONDS,
    minimum: 10,
    maximum: MAX_INTERVAL_SECONDS,
    description:
      'Seconds between checks: one check per interval, whatever the number of workers. The smallest allowed is the ' +
      "server's MONITOR_MIN_INTERVAL_SECONDS (10 by default); at most 86400.",
  })
  @IsOptionalButNotNull()
  @IsInt()
  @Min(1)
  @Max(MAX_INTERVAL_SECONDS)
  interval_seconds?: number;

  @ApiPropertyOptional({
    example: 5000,
    default: DEFAULT_TIMEOUT_MS,
    minimum: MIN_TIMEOUT_MS,
    maximum: MAX_TIMEOUT_MS,
    description:
      'Budget of one check in milliseconds (connecting, sending, the whole response); a check over it fails with a ' +
      'timeout. At most the interval (interval_seconds × 1000); the default is capped at it.',
  })
  @IsOptionalButNotNull()
  @IsInt()
  @Min(MIN_TIMEOUT_MS)
  @Max(MAX_TIMEOUT_MS)
  timeout_ms?: number;

  @ApiPropertyOptional({ example: '200-299', default: DEFAULT_EXPECTED_STATUS, description: EXPECTED_STATUS_DOC })
  @IsOptionalButNotNull()
  @IsString()
  @MaxLength(200)
  @IsExpectedStatus()
  expected_status?: string;

  @ApiPropertyOptional({
    example: '"status":"ok"',
    nullable: true,
    type: String,
    maxLength: 1000,
    description:
      'When set, the response body must contain this text (case-sensitive; only the first MONITOR_RESPONSE_BODY_LIMIT ' +
      'bytes, 64 KiB by default, are read). null removes it.',
  })
  @IsOptional()
  @IsString()
  @Length(1, 1000)
  body_contains?: string | null;

  @ApiPropertyOptional({
    example: 3,
    default: DEFAULT_FAILURE_THRESHOLD,
    minimum: 1,
    maximum: 100,
    description: 'Consecutive failed checks that mark the monitor down and publish monitor.down (once)',
  })
  @IsOptionalButNotNull()
  @IsInt()
  @Min(1)
  @Max(100)
  failure_threshold?: number;

  @ApiPropertyOptional({ default: true, description: 'Disabled monitors are not checked; their state is kept' })
  @IsOptionalButNotNull()
  @IsBoolean()
  enabled?: boolean;
}

export class CreateMonitorDto extends MonitorSettingsDto {
  @ApiProperty({ example: 'Billing API health', description: 'Trimmed; not empty' })
  @IsName()
  name: string;

  @ApiProperty({
    example: 'https://billing.example.com/health',
    maxLength: 2000,
    description:
      'Absolute http(s) URL (any other scheme: 400). Checked against the outbound address policy at each check: a ' +
      'private or loopback address fails the check with ssrf_blocked unless the deployment allows it.',
  })
  @IsUrl(URL_OPTIONS)
  @MaxLength(2000)
  url: string;
}

export class UpdateMonitorDto extends MonitorSettingsDto {
  @ApiPropertyOptional({ description: 'Trimmed; not empty' }) @IsOptionalButNotNull() @IsName() name?: string;

  @ApiPropertyOptional({ example: 'https://billing.example.com/health', description: 'Absolute http(s) URL' })
  @IsOptionalButNotNull()
  @IsUrl(URL_OPTIONS)
  @MaxLength(2000)
  url?: string;
}

export class ListMonitorsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 }) @IsOptional() @IsPageLimit() limit?: number;
  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'Only enabled (true) or disabled (false) monitors' })
  @IsOptional()
  @IsIn(['true', 'false'])
  enabled?: 'true' | 'false';
  @ApiPropertyOptional({ enum: MONITOR_STATUSES, description: 'Only monitors in this state' })
  @IsOptional()
  @IsIn(MONITOR_STATUSES)
  status?: MonitorStatus;
}

export class MonitorResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ example: 'Billing API health' }) name: string;
  @ApiProperty({ example: 'https://billing.example.com/health' }) url: string;
  @ApiProperty({ enum: MONITOR_METHODS }) method: MonitorMethod;
  @ApiProperty({ example: 60 }) interval_seconds: number;
  @ApiProperty({ example: 5000 }) timeout_ms: number;
  @ApiProperty({ example: '200-299', description: EXPECTED_STATUS_DOC }) expected_status: string;
  @ApiProperty({ nullable: true, type: String }) body_contains: string | null;
  @ApiProperty({ example: 3 }) failure_threshold: number;
  @ApiProperty() enabled: boolean;
  @ApiProperty({
    enum: MONITOR_STATUSES,
    readOnly: true,
    description:
      'unknown until the first success or until failure_threshold failures; up after a success; down after ' +
      'failure_threshold consecutive failures',
  })
  status: MonitorStatus;
  @ApiProperty({ readOnly: true, description: 'Failed checks since the last success' }) consecutive_failures: number;
  @ApiProperty({ readOnly: true, nullable: true, type: String, format: 'date-time' }) last_checked_at: string | null;
  @ApiProperty({ readOnly: true, nullable: true, type: Number, description: 'Latency of the last check (ms)' })
  last_latency_ms: number | null;
  @ApiProperty({
    readOnly: true,
    format: 'date-time',
    description: 'When the next check is due (a worker picks it up within MONITOR_TICK_MS)',
  })
  next_check_at: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) created_by: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class MonitorListResponse {
  @ApiProperty({ type: [MonitorResponse] }) data: MonitorResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}
