import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CheckPolicy } from '@conduit/access';
import { ApiErrors } from '@conduit/platform';
import { ChainAnalyticsService } from '../chain-analytics.service';
import { ChainAnalyticsQueryDto, ChainAnalyticsResponse } from '../dto/chain-analytics.dto';

@ApiTags('analytics')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/analytics')
export class ChainAnalyticsController {
  constructor(private readonly analytics: ChainAnalyticsService) {}

  @Get('chains')
  @CheckPolicy('read', 'ChainRun')
  @ApiOperation({ summary: 'Per chain and window: completion rate, run time (mean, p95), failures by step' })
  @ApiOkResponse({ type: ChainAnalyticsResponse })
  @ApiErrors(400, 401, 403)
  chains(@Query() query: ChainAnalyticsQueryDto): Promise<ChainAnalyticsResponse> {
    return this.analytics.chains(query);
  }
}
