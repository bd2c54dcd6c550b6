import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { FEATURES, Feature } from '../license-terms';

/** The largest limit an allocation may set (events_per_month included). */
export const MAX_ALLOCATION = 1_000_000_000_000;

const limit = (example: number, what: string) =>
  ({
    type: 'integer',
    minimum: 0,
    maximum: MAX_ALLOCATION,
    nullable: true,
    example,
    description: `${what}; left out or null: not bounded by this allocation (only above it)`,
  }) as const;

/** The limits an allocation sets, one per quota it bounds. */
export class AllocatedQuotasDto {
  @ApiPropertyOptional(limit(5, 'Tenants below the allocated tenant'))
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_ALLOCATION)
  tenants?: number | null;

  @ApiPropertyOptional(limit(50, 'Memberships in its subtree'))
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_ALLOCATION)
  users?: number | null;

  @ApiPropertyOptional(limit(10, 'Integrations in its subtree'))
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_ALLOCATION)
  integrations?: number | null;

  @ApiPropertyOptional(limit(20, 'Instances in its subtree'))
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_ALLOCATION)
  instances?: number | null;

  @ApiPropertyOptional(limit(100_000, 'Events a month in its subtree (reported, never enforced)'))
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_ALLOCATION)
  events_per_month?: number | null;
}

export class PutAllocationDto {
  @ApiProperty({ type: AllocatedQuotasDto, description: 'The limits of this allocation; {} bounds no quota' })
  @IsObject()
  @ValidateNested()
  @Type(() => AllocatedQuotasDto)
  quotas: AllocatedQuotasDto;

  @ApiPropertyOptional({
    enum: FEATURES,
    isArray: true,
    nullable: true,
    example: ['mssp', 'saml'],
    description: 'Features the subtree may use, each held above it; left out or null: whatever is held above',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(FEATURES.length)
  @ArrayUnique()
  @IsIn(FEATURES, { each: true })
  features?: Feature[] | null;
}

/** Usage of the enforced quotas (events_per_month is counted by month, in the compliance report). */
export class QuotaUsageDto {
  @ApiProperty({ type: 'integer', description: 'Tenants (of a subtree: those below its root)' }) tenants: number;
  @ApiProperty({ type: 'integer', description: 'Memberships' }) users: number;
  @ApiProperty({ type: 'integer' }) integrations: number;
  @ApiProperty({ type: 'integer' }) instances: number;
}

const WARNINGS = ['usage_above_allocation', 'children_above_allocation'] as const;

export class AllocationWarningDto {
  @ApiProperty({
    enum: WARNINGS,
    description:
      'usage_above_allocation: the subtree uses more than the limit (creating more is refused until it is below); children_above_allocation: the allocations below hold more than the limit',
  })
  code: (typeof WARNINGS)[number];

  @ApiProperty({ enum: ['tenants', 'users', 'integrations', 'instances', 'events_per_month'] }) quota: string;
  @ApiProperty({ type: 'integer' }) limit: number;
  @ApiProperty({ type: 'integer', description: 'The usage, or what the allocations below hold together' })
  value: number;
  @ApiProperty({ example: 'users: 12 used, 10 allocated' }) message: string;
}

export class LicenseAllocationResponse {
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ description: 'Whether the tenant holds an allocation (false: bounded only by those above it)' })
  allocated: boolean;

  @ApiProperty({ type: AllocatedQuotasDto, description: 'The limits of this allocation ({} when none)' })
  quotas: AllocatedQuotasDto;

  @ApiProperty({ enum: FEATURES, isArray: true, nullable: true, description: 'null: whatever is held above' })
  features: Feature[] | null;

  @ApiProperty({
    enum: FEATURES,
    isArray: true,
    description: "The features the tenant may use: the licence's, narrowed by its allocation and those above it",
  })
  held_features: Feature[];

  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'The tenant whose allocation this one is carved from; null: the installation (the licence itself)',
  })
  allocated_from: string | null;

  @ApiProperty({ type: QuotaUsageDto, description: "Usage of the tenant's whole subtree" }) usage: QuotaUsageDto;

  @ApiProperty({
    type: AllocatedQuotasDto,
    description: 'Of the quotas this allocation bounds: how much the allocations below it hold together',
  })
  allocated_to_children: AllocatedQuotasDto;

  @ApiProperty({
    type: AllocatedQuotasDto,
    description: 'Of the quotas this allocation bounds: what is left to allocate below it (never below 0)',
  })
  available_to_allocate: AllocatedQuotasDto;

  @ApiProperty({ description: 'The subtree uses, or the allocations below hold, more than a limit (see warnings)' })
  over_allocated: boolean;

  @ApiProperty({ type: [AllocationWarningDto] }) warnings: AllocationWarningDto[];
  @ApiProperty({ nullable: true, type: String, description: 'When the allocation last changed' })
  updated_at: string | null;
}
