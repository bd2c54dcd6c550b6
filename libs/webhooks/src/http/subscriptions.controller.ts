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
import { DeliveriesService } from '../deliveries.service';
import { PublishedEventResponse, RecoverResponse } from '../dto/event.dto';
import {
  CreateSubscriptionDto,
  EmptyBodyDto,
  ListSubscriptionsQueryDto,
  RecoverDto,
  SubscriptionListResponse,
  SubscriptionResponse,
  SubscriptionWithSecretResponse,
  TestEventDto,
  UpdateSubscriptionDto,
} from '../dto/subscription.dto';
import { EventsService } from '../events.service';
import { SubscriptionsService } from '../subscriptions.service';

@ApiTags('subscriptions')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/subscriptions')
export class SubscriptionsController {
  constructor(
    private readonly subscriptions: SubscriptionsService,
    private readonly events: EventsService,
    private readonly deliveries: DeliveriesService,
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
  @HttpCode(202)
  @CheckPolicy('update', 'Subscription')
  @Audited('subscription.test', 'Subscription')
  @ApiOperation({ summary: 'Send a test event to this endpoint only (the subscription must be enabled)' })
  @ApiAcceptedResponse({ type: PublishedEventResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  async test(@Param('id') id: string, @Body() dto: TestEventDto): Promise<PublishedEventResponse> {
    const sub = await this.subscriptions.loadSending(id);
    return this.events.publishInTenant(
      sub.tenant_id,
      {
        event_name: dto.event_name ?? 'webhook.test',
        source: 'conduit.test',
        payload: dto.payload ?? { test: true, subscription_id: sub.id },
      },
      sub,
    );
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
