import { ApiProperty } from '@nestjs/swagger';
import { AllocatedQuotasDto, QuotaUsageDto } from './allocation.dto';

export class QuotaStandingDto {
  @ApiProperty({ enum: ['tenants', 'users', 'integrations', 'instances'] }) quota: string;
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: "The limit: the licence's for the installation, the allocation's for a tenant; null: none here",
  })
  limit: number | null;

  @ApiProperty({ type: 'integer' }) usage: number;
}

export class SubtreeUsageDto {
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ example: 'acme-corp' }) code: string;
  @ApiProperty({ example: 'Acme Corporation' }) name: string;
  @ApiProperty({ type: QuotaUsageDto, description: "Usage of the tenant's whole subtree" }) usage: QuotaUsageDto;
  @ApiProperty({ type: AllocatedQuotasDto, nullable: true, description: 'Its allocation, null when it holds none' })
  allocation: AllocatedQuotasDto | null;
}

export class LicenseUsageResponse {
  @ApiProperty({
    enum: ['installation', 'tenant'],
    description: "installation (platform admins): the licence's totals; tenant (MSSP admins): your tenant's subtree",
  })
  scope: 'installation' | 'tenant';

  @ApiProperty({ format: 'uuid', nullable: true, type: String, description: 'The subtree root; null: installation' })
  tenant_id: string | null;

  @ApiProperty({ type: [QuotaStandingDto] }) quotas: QuotaStandingDto[];
  @ApiProperty({
    type: [SubtreeUsageDto],
    description: 'The subtrees directly below: the top-level tenants, or the tenants below yours',
  })
  tenants: SubtreeUsageDto[];
}
