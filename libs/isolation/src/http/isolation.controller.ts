// PUT /api/v1/tenants/{id}/isolation: where a tenant's rows live (docs/dedicated-tenants.md). Platform admins only.
import { Body, Controller, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CheckPolicy } from '@conduit/access';
import { Audited } from '@conduit/audit';
import { OwnTransactions } from '@conduit/database';
import { RequiresFeature } from '@conduit/licensing';
import { ApiErrors } from '@conduit/platform';
import { TenantResponse } from '@conduit/tenants';
import { SetIsolationDto } from '../dto/isolation.dto';
import { IsolationService } from '../isolation.service';

@ApiTags('tenants')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/tenants')
export class IsolationController {
  constructor(private readonly isolation: IsolationService) {}

  @Put(':id/isolation')
  // Connecting to and migrating another database takes seconds: no request transaction is held meanwhile.
  @OwnTransactions()
  @RequiresFeature('dedicated_databases')
  @CheckPolicy('update', 'TenantIsolation')
  // The audit row keeps the isolation asked for, never the URL (it carries the owner's password).
  @Audited('tenant.isolation', 'Tenant', { changes: (body) => ({ isolation: body.isolation }) })
  @ApiOperation({
    summary: "Set a tenant's isolation: dedicated (its own database) or shared (platform admins)",
    description:
      'In this order, nothing written before every check passed: 400 invalid_database_url, 400 database_host_not_allowed ' +
      '(not in DEDICATED_DATABASE_HOSTS), 409 tenant_not_empty (only a tenant without data switches here), ' +
      '400 database_unreachable, 400 database_setup_failed; then the product’s migrations and runtime role are set up in ' +
      'that database and the tenant’s rows live there from then on. A dedicated tenant is not moved by this route: ' +
      '409 tenant_move_required. The URL is stored sealed and never returned.',
  })
  @ApiOkResponse({ type: TenantResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  set(@Param('id') id: string, @Body() dto: SetIsolationDto): Promise<TenantResponse> {
    return this.isolation.set(id, dto);
  }
}
