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
  @ApiOperation({
    summary: 'Attempt a delivery now: once more when finished (a replay if delivered), or its next attempt early',
    description:
      'A finished delivery (failed, cancelled, delivered) gets one more attempt; one waiting for its next attempt ' +
      '(pending in its backoff) is sent now instead of when due. Queued for the worker: the answer is the delivery, ' +
      'pending. 409 delivery_in_progress while an attempt is in flight.',
  })
  @ApiAcceptedResponse({ type: DeliveryResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  retry(@Param('id') id: string, @Body() _body: EmptyBodyDto): Promise<DeliveryResponse> {
    return this.deliveries.retry(id);
  }
}
