import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { CheckPolicy } from '@conduit/access';
import { Audited } from '@conduit/audit';
import { ApiErrors } from '@conduit/platform';
import { AllocationsService } from '../allocations.service';
import { LicenseAllocationResponse, PutAllocationDto } from '../dto/allocation.dto';
import { RequiresFeature } from '../requires-feature';

@ApiTags('licensing')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/tenants/:id/license-allocation')
export class AllocationsController {
  constructor(private readonly allocations: AllocationsService) {}

  @Get()
  @CheckPolicy('read', 'LicenseAllocation')
  @ApiOperation({
    summary: "A tenant's licence allocation, its subtree's usage and what is left to allocate below it",
    description: 'Your own tenant (tenant and MSSP admins), a tenant below yours (MSSP admins), any (platform admins).',
  })
  @ApiOkResponse({ type: LicenseAllocationResponse })
  @ApiErrors(401, 404)
  get(@Param('id') id: string): Promise<LicenseAllocationResponse> {
    return this.allocations.get(id);
  }

  @Put()
  @RequiresFeature('mssp')
  @CheckPolicy('update', 'LicenseAllocation')
  @Audited('license_allocation.update', 'LicenseAllocation')
  @ApiOperation({
    summary: "Set a tenant's licence allocation (the slice of the licence its whole subtree may use)",
    description:
      "Platform admins allocate to any tenant but their own; MSSP admins re-allocate from their own tenant's allocation to tenants below it. The allocations directly below a tenant (or the top-level ones, below the licence) never add up to more than it holds: 400 allocation_exceeds_parent. Features must be held above: 400 allocation_feature_not_held. Your own tenant, or an MSSP tenant holding no allocation: 403 allocation_not_allowed. Lowering below current usage is allowed: over_allocated and warnings say so, and creating more in the subtree is refused (license_quota_exceeded) until usage is below.",
  })
  @ApiOkResponse({ type: LicenseAllocationResponse })
  @ApiErrors(400, 401, 404)
  put(@Param('id') id: string, @Body() dto: PutAllocationDto): Promise<LicenseAllocationResponse> {
    return this.allocations.put(id, dto);
  }

  @Delete()
  @RequiresFeature('mssp')
  @CheckPolicy('delete', 'LicenseAllocation')
  @Audited('license_allocation.delete', 'LicenseAllocation')
  @HttpCode(204)
  @ApiOperation({
    summary: "Remove a tenant's licence allocation (its subtree is then bounded by the allocations above it only)",
    description: 'Same rules as setting one; removing none is no error.',
  })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiErrors(400, 401, 404)
  async remove(@Param('id') id: string): Promise<void> {
    await this.allocations.remove(id);
  }
}
