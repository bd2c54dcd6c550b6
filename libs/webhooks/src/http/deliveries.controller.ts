import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CheckPolicy } from '@conduit/access';
import { ApiErrors } from '@conduit/platform';
import { Audited } from '@conduit/audit';
import { DeliveriesService } from '../deliveries.service';
import {
  DeliveryDetailResponse,
  DeliveryListResponse,
  DeliveryResponse,
  ListDeliveriesQueryDto,
} from '../dto/event.dto';
import { EmptyBodyDto } from '../dto/subscription.dto';

@ApiTags('deliveries')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/deliveries')
export class DeliveriesController {
  constructor(private readonly deliveries: DeliveriesService) {}

  @Get()
  @CheckPolicy('read', 'Delivery')
  @ApiOperation({ summary: 'List deliveries by status, subscription, event and time' })
  @ApiOkResponse({ type: DeliveryListResponse })
  @ApiErrors(400, 401, 403)
  list(@Query() query: ListDeliveriesQueryDto) {
    return this.deliveries.list(query);
  }

  @Get(':id')
  @CheckPolicy('read', 'Delivery')
  @ApiOperation({ summary: 'Get a delivery with every attempt' })
  @ApiOkResponse({ type: DeliveryDetailResponse })
  @ApiErrors(401, 403, 404)
  get(@Param('id') id: string): Promise<DeliveryDetailResponse> {
    return this.deliveries.get(id);
  }

  @Post(':id/retry')
  @HttpCode(202)
  @CheckPolicy('update', 'Delivery')
  @Audited('delivery.retry', 'Delivery')
  @ApiOperation({ summary: 'Attempt a finished delivery once more (failed, cancelled, or delivered: a replay)' })
  @ApiAcceptedResponse({ type: DeliveryResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  retry(@Param('id') id: string, @Body() _body: EmptyBodyDto): Promise<DeliveryResponse> {
    return this.deliveries.retry(id);
  }
}
