import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { IsName, IsOptionalButNotNull, JSON_OBJECT } from '@conduit/platform';
import { ListQueryDto } from '@conduit/tenants';
import {
  AUTH_TYPES,
  AuthType,
  HEALTH_STATUSES,
  HealthStatus,
  INSTANCE_STATUSES,
  InstanceStatus,
} from '../entities/instance.entity';

const SECRET = 'Write-only: answered as { "set": true }';

/** auth: the type, its settings and credentials; which keys each type needs is checked by the service. */
export class InstanceAuthDto {
  @ApiPropertyOptional({ enum: AUTH_TYPES, description: 'Required on create when auth is sent; PATCH keeps the type' })
  @IsOptional()
  @IsIn(AUTH_TYPES)
  type?: AuthType;

  @ApiPropertyOptional({ description: `basic. ${SECRET}`, writeOnly: true })
  @IsOptional()
  @IsString()
  username?: string;
  @ApiPropertyOptional({ description: `basic. ${SECRET}`, writeOnly: true })
  @IsOptional()
  @IsString()
  password?: string;
  @ApiPropertyOptional({ description: `bearer. ${SECRET}`, writeOnly: true }) @IsOptional() @IsString() token?: string;
  @ApiPropertyOptional({ description: `api_key. ${SECRET}`, writeOnly: true }) @IsOptional() @IsString() key?: string;
  @ApiPropertyOptional({ description: 'api_key: the header the key is sent in', example: 'X-API-Key' })
  @IsOptional()
  @IsString()
  header?: string;
  @ApiPropertyOptional({ description: 'api_key: the query parameter the key is sent in (instead of a header)' })
  @IsOptional()
  @IsString()
  query?: string;
  @ApiPropertyOptional({ description: `oauth2_client_credentials. ${SECRET}`, writeOnly: true })
  @IsOptional()
  @IsString()
  client_id?: string;
  @ApiPropertyOptional({ description: `oauth2_client_credentials. ${SECRET}`, writeOnly: true })
  @IsOptional()
  @IsString()
  client_secret?: string;
  @ApiPropertyOptional({ description: 'oauth2_client_credentials: the token endpoint', example: 'https://idp/token' })
  @IsOptional()
  @IsString()
  token_url?: string;
  @ApiPropertyOptional({ description: 'oauth2_client_credentials: the scope asked for' })
  @IsOptional()
  @IsString()
  scope?: string;
}

export class RateLimitDto {
  @ApiProperty({ example: 100, description: 'Calls allowed per window' })
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  max: number;

  @ApiProperty({ example: 60, description: 'The window, in seconds' })
  @IsInt()
  @Min(1)
  @Max(86_400)
  per_seconds: number;
}

export class HealthCheckDto {
  @ApiPropertyOptional({ description: 'A task of the integration to run as the check (or path)', example: 'ping' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  task_tag?: string;

  @ApiPropertyOptional({ description: 'A path under base_url to GET (or task_tag)', example: '/health' })
  @IsOptional()
  @IsString()
  @Matches(/^\/\S{0,1999}$/, { message: 'path must start with / and hold no spaces' })
  path?: string;

  @ApiProperty({ example: 300, description: 'Seconds between scheduled checks' })
  @IsInt()
  @Min(10)
  @Max(86_400)
  interval_seconds: number;

  @ApiPropertyOptional({
    example: 3,
    default: 3,
    minimum: 1,
    maximum: 100,
    description:
      'Consecutive failed checks that make the instance unhealthy (status error, instance.unhealthy published once)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  failure_threshold?: number;
}

export class InstanceHealthResultResponse {
  @ApiProperty() ok: boolean;
  @ApiProperty({ format: 'date-time' }) checked_at: string;
  @ApiProperty({ type: 'integer' }) duration_ms: number;
  @ApiProperty({ type: 'integer', nullable: true }) status_code: number | null;
  @ApiProperty({ ...JSON_OBJECT, nullable: true, description: '{ code, message }, credentials masked' })
  error: { code: string; message: string } | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The task run of a check by task_tag' })
  run_id: string | null;
}

export class InstanceHealthResponse {
  @ApiProperty({ enum: HEALTH_STATUSES }) status: HealthStatus;
  @ApiProperty({ type: 'integer' }) consecutive_failures: number;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) last_check_at: string | null;
  @ApiProperty({ type: InstanceHealthResultResponse, nullable: true }) last_result: InstanceHealthResultResponse | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) next_check_at: string | null;
}

class InstanceSettingsDto {
  @ApiPropertyOptional({
    ...JSON_OBJECT,
    description:
      'Values of the integration’s fields, checked against its definitions (required, types, options). Secret ' +
      'fields are stored sealed and answered as { "set": true }. PATCH merges: an omitted value is kept, null removes it.',
    example: { index: 'main', api_token: 's3cr3t' },
  })
  @IsOptionalButNotNull()
  @IsObject()
  fields?: Record<string, unknown>;

  @ApiPropertyOptional({ type: InstanceAuthDto })
  @IsOptionalButNotNull()
  @ValidateNested()
  @Type(() => InstanceAuthDto)
  auth?: InstanceAuthDto;

  @ApiPropertyOptional({ type: RateLimitDto, nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => RateLimitDto)
  rate_limit?: RateLimitDto | null;

  @ApiPropertyOptional({ type: HealthCheckDto, nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => HealthCheckDto)
  health_check?: HealthCheckDto | null;

  @ApiPropertyOptional({ enum: INSTANCE_STATUSES, default: 'active' })
  @IsOptionalButNotNull()
  @IsIn(INSTANCE_STATUSES)
  status?: InstanceStatus;
}

export class CreateInstanceDto extends InstanceSettingsDto {
  @ApiProperty({ format: 'uuid', description: 'The integration (the tenant’s own or one shared with it)' })
  @IsUUID()
  integration_uuid: string;

  @ApiProperty({ example: 'Splunk production', description: 'Unique among the integration’s instances in the tenant' })
  @IsName(200)
  title: string;

  @ApiProperty({ example: 'https://splunk.example.com:8089', description: 'http or https, no user info' })
  @IsString()
  @MaxLength(2000)
  base_url: string;
}

export class UpdateInstanceDto extends InstanceSettingsDto {
  @ApiPropertyOptional({ example: 'Splunk production' })
  @IsOptionalButNotNull()
  @IsName(200)
  title?: string;

  @ApiPropertyOptional({
    example: 'https://splunk.example.com:8089',
    description: 'On another host (or port), every stored secret must be sent again',
  })
  @IsOptionalButNotNull()
  @IsString()
  @MaxLength(2000)
  base_url?: string;
}

/** The seed form's `instance` part (POST /apps/v1/app/generic with add_instance): the title defaults to the app's. */
export class SeedInstanceDto extends InstanceSettingsDto {
  @ApiPropertyOptional({ example: 'Splunk production', description: 'The app’s title when absent' })
  @IsOptionalButNotNull()
  @IsName(200)
  title?: string;

  @ApiProperty({ example: 'https://splunk.example.com:8089', description: 'http or https, no user info' })
  @IsString()
  @MaxLength(2000)
  base_url: string;
}

export class ListInstancesQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ description: 'The integration’s integration_id', example: 3 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(2_147_483_647)
  integration_id?: number;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  integration_uuid?: string;

  @ApiPropertyOptional({ enum: INSTANCE_STATUSES })
  @IsOptional()
  @IsIn(INSTANCE_STATUSES)
  status?: InstanceStatus;
}

export class DeleteInstanceQueryDto {
  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description: 'Delete even though chains run task steps on it (they fail on it until edited)',
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  force?: 'true' | 'false';
}

export class SecretSetResponse {
  @ApiProperty({ description: 'Whether a value is stored (it is never returned)' }) set: boolean;
}

export class InstanceAuthResponse {
  @ApiProperty({ enum: AUTH_TYPES }) type: AuthType;
  @ApiPropertyOptional() header?: string;
  @ApiPropertyOptional() query?: string;
  @ApiPropertyOptional() token_url?: string;
  @ApiPropertyOptional() scope?: string;
  @ApiPropertyOptional({ type: SecretSetResponse }) username?: SecretSetResponse;
  @ApiPropertyOptional({ type: SecretSetResponse }) password?: SecretSetResponse;
  @ApiPropertyOptional({ type: SecretSetResponse }) token?: SecretSetResponse;
  @ApiPropertyOptional({ type: SecretSetResponse }) key?: SecretSetResponse;
  @ApiPropertyOptional({ type: SecretSetResponse }) client_id?: SecretSetResponse;
  @ApiPropertyOptional({ type: SecretSetResponse }) client_secret?: SecretSetResponse;
}

export class InstanceResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ example: 1 }) instance_id: number;
  @ApiProperty({ format: 'uuid' }) integration_uuid: string;
  @ApiProperty({ example: 3, description: 'The integration’s integration_id (in its owner tenant’s numbering)' })
  integration_id: number;
  @ApiProperty() title: string;
  @ApiProperty() base_url: string;
  @ApiProperty({
    ...JSON_OBJECT,
    description: 'Field values; each secret field as { "set": true|false }',
    example: { index: 'main', api_token: { set: true } },
  })
  fields: Record<string, unknown>;
  @ApiProperty({ type: InstanceAuthResponse }) auth: InstanceAuthResponse;
  @ApiProperty({ type: RateLimitDto, nullable: true }) rate_limit: RateLimitDto | null;
  @ApiProperty({ type: HealthCheckDto, nullable: true }) health_check: HealthCheckDto | null;
  @ApiProperty({ enum: INSTANCE_STATUSES }) status: InstanceStatus;
  @ApiProperty({ type: InstanceHealthResponse, description: 'What the health checks found' })
  health: InstanceHealthResponse;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) created_by: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) deleted_at: string | null;
}

export class InstanceListResponse {
  @ApiProperty({ type: [InstanceResponse] }) data: InstanceResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}
