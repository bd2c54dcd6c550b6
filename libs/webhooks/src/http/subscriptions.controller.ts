import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { CheckPolicy } from '@conduit/access';
import { ApiErrors } from '@conduit/platform';
import { Audited } from '@conduit/audit';
import { OwnTransactions } from '@conduit/database';
import { DeliveriesService } from '../deliveries.service';
import { RecoverResponse } from '../dto/event.dto';
import {
  CreateSubscriptionDto,
  EmptyBodyDto,
  ListSubscriptionsQueryDto,
  RecoverDto,
  SubscriptionListResponse,
  SubscriptionResponse,
  SubscriptionWithSecretResponse,
  TestEventDto,
  TestEventResponse,
  UpdateSubscriptionDto,
} from '../dto/subscription.dto';
import { SubscriptionsService } from '../subscriptions.service';
import { TestSender } from '../test-sender';

@ApiTags('subscriptions')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/subscriptions')
export class SubscriptionsController {
  constructor(
    private readonly subscriptions: SubscriptionsService,
    private readonly deliveries: DeliveriesService,
    private readonly tests: TestSender,
  ) {}

  @Post()
  @CheckPolicy('create', 'Subscription')
  @Audited('subscription.create', 'Subscription')
  @ApiOperation({ summary: 'Subscribe an endpoint to event types; the signing secret is returned once' })
  @ApiCreatedResponse({ type: SubscriptionWithSecretResponse })
  @ApiErrors(400, 401, 403)
  create(@Body() dto: CreateSubscriptionDto): Promise<SubscriptionWithSecretResponse> {
    return this.subscriptions.create(dto);
  }

  @Get()
  @CheckPolicy('read', 'Subscription')
  @ApiOperation({ summary: 'List subscriptions' })
  @ApiOkResponse({ type: SubscriptionListResponse })
  @ApiErrors(400, 401, 403)
  list(@Query() query: ListSubscriptionsQueryDto) {
    return this.subscriptions.list(query);
  }

  @Get(':id')
  @CheckPolicy('read', 'Subscription')
  @ApiOperation({ summary: 'Get a subscription (never its secret)' })
  @ApiOkResponse({ type: SubscriptionResponse })
  @ApiErrors(401, 403, 404)
  get(@Param('id') id: string): Promise<SubscriptionResponse> {
    return this.subscriptions.get(id);
  }

  @Patch(':id')
  @CheckPolicy('update', 'Subscription')
  @Audited('subscription.update', 'Subscription')
  @ApiOperation({ summary: 'Update target, event types, filter, headers, schedule, or enable/disable' })
  @ApiOkResponse({ type: SubscriptionResponse })
  @ApiErrors(400, 401, 403, 404)
  update(@Param('id') id: string, @Body() dto: UpdateSubscriptionDto): Promise<SubscriptionResponse> {
    return this.subscriptions.update(id, dto);
  }

  @Delete(':id')
  @CheckPolicy('delete', 'Subscription')
  @Audited('subscription.delete', 'Subscription')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete (deactivate) a subscription; its history stays' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(401, 403, 404)
  async remove(@Param('id') id: string): Promise<void> {
    await this.subscriptions.remove(id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @CheckPolicy('update', 'Subscription')
  @Audited('subscription.rotate_secret', 'Subscription')
  @ApiOperation({ summary: 'New signing secret (returned once); the previous one also signs during the grace period' })
  @ApiOkResponse({ type: SubscriptionWithSecretResponse })
  @ApiErrors(400, 401, 403, 404)
  rotate(@Param('id') id: string, @Body() _body: EmptyBodyDto): Promise<SubscriptionWithSecretResponse> {
    return this.subscriptions.rotateSecret(id);
  }

  @Post(':id/test')
  @HttpCode(200)
  @OwnTransactions()
  @CheckPolicy('update', 'Subscription')
  @Audited('subscription.test', 'Subscription')
  @ApiOperation({
    summary: 'Send a signed test message to this endpoint now and answer with the outcome',
    description:
      'The message (a webhook.test event, or the event_name given) is signed and sent like any delivery, at once, and ' +
      "recorded as its delivery's one attempt. 200 whenever the test ran, also when the receiver failed: status, " +
      'status_code and error_class say how it answered. Not retried; the subscription must be enabled (409).',
  })
  @ApiOkResponse({ type: TestEventResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  test(@Param('id') id: string, @Body() dto: TestEventDto): Promise<TestEventResponse> {
    return this.tests.send(id, dto);
  }

  @Post(':id/recover')
  @HttpCode(202)
  @CheckPolicy('update', 'Delivery')
  @Audited('subscription.recover', 'Subscription')
  @ApiOperation({ summary: 'Re-send every failed delivery of this subscription since a time' })
  @ApiAcceptedResponse({ type: RecoverResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  recover(@Param('id') id: string, @Body() dto: RecoverDto): Promise<RecoverResponse> {
    return this.deliveries.recover(id, dto.since);
  }
}
