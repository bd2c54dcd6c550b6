import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CheckPolicy } from '@conduit/access';
import { ApiErrors } from '@conduit/platform';
import { AnalyticsService } from '../analytics.service';
import { DeliveryAnalyticsQueryDto, DeliveryAnalyticsResponse } from '../dto/analytics.dto';

@ApiTags('analytics')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/analytics')
export class AnalyticsController {
  constructor(private readonly analytics: AnalyticsService) {}

  @Get('deliveries')
  @CheckPolicy('read', 'Delivery')
  @ApiOperation({
    summary: 'Per subscription and window: success rate, latency p50/p95, attempts per delivery, top error classes',
  })
  @ApiOkResponse({ type: DeliveryAnalyticsResponse })
  @ApiErrors(400, 401, 403)
  deliveries(@Query() query: DeliveryAnalyticsQueryDto): Promise<DeliveryAnalyticsResponse> {
    return this.analytics.deliveries(query);
  }
}
