import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CheckPolicy } from '@conduit/access';
import { ApiErrors } from '@conduit/platform';
import { LicenseUsageResponse } from '../dto/usage.dto';
import { UsageService } from '../usage.service';

@ApiTags('licensing')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/license/usage')
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  @Get()
  @CheckPolicy('read', 'LicenseUsage')
  @ApiOperation({
    summary: 'Usage of the licence per quota, per tenant subtree',
    description:
      "Platform admins: the installation's usage against the licence, and each top-level tenant's subtree. MSSP admins: your tenant's subtree against its allocation, and each subtree below it. Counts what exists now (tenants: those below a subtree's root; users: memberships); events_per_month is in the compliance report.",
  })
  @ApiOkResponse({ type: LicenseUsageResponse })
  @ApiErrors(401)
  report(): Promise<LicenseUsageResponse> {
    return this.usage.report();
  }
}
