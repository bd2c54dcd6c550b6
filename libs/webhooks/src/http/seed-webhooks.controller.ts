// The seed's endpoints (Loki Suite), kept working as documented; they share services with /api/v1.
import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { AccessService, CheckPolicy } from '@conduit/access';
import { TenantScope } from '@conduit/tenants';
import { ApiErrors } from '@conduit/platform';
import { Audited } from '@conduit/audit';
import { ApiIdempotencyKeyHeader, IdempotencyKeyHeader, idempotencyKey } from './idempotency-key';
import { PublishedEventResponse, SeedPublishEventDto } from '../dto/event.dto';
import {
  SeedListSubscriptionsQueryDto,
  SeedSubscribeDto,
  SubscriptionListResponse,
  SubscriptionWithSecretResponse,
} from '../dto/subscription.dto';
import { EventsService } from '../events.service';
import { SubscriptionsService } from '../subscriptions.service';

@ApiTags('webhooks (seed API)')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/webhooks')
export class SeedWebhooksController {
  constructor(
    private readonly subscriptions: SubscriptionsService,
    private readonly events: EventsService,
    private readonly scope: TenantScope,
    private readonly access: AccessService,
  ) {}

  @Post('subscribe')
  @CheckPolicy('create', 'Subscription')
  @Audited('subscription.create', 'Subscription')
  @ApiOperation({ summary: 'Subscribe an endpoint to an event (seed API); the signing secret is shown once' })
  @ApiCreatedResponse({ type: SubscriptionWithSecretResponse })
  @ApiErrors(400, 401, 403, 404)
  async subscribe(@Body() dto: SeedSubscribeDto): Promise<SubscriptionWithSecretResponse> {
    await this.actInNamedTenant(dto.tenant_id);
    const { tenant_id: _tenant, subscribed_event, ...rest } = dto;
    return this.subscriptions.create({ ...rest, event_types: [subscribed_event] });
  }

  @Post('event')
  @HttpCode(202)
  @CheckPolicy('create', 'Event')
  @Audited('event.publish', 'Event')
  @ApiOperation({ summary: 'Send an event to every matching subscriber (seed API); answers 202 queued' })
  @ApiIdempotencyKeyHeader()
  @ApiAcceptedResponse({ type: PublishedEventResponse })
  @ApiErrors(400, 401, 403, 404)
  async event(
    @Body() dto: SeedPublishEventDto,
    @IdempotencyKeyHeader() headerKey?: string,
  ): Promise<PublishedEventResponse> {
    const key = idempotencyKey(headerKey, dto.idempotency_key);
    await this.actInNamedTenant(dto.tenant_id);
    const { tenant_id: _tenant, ...input } = dto;
    return this.events.publish({ ...input, idempotency_key: key });
  }

  @Get()
  @CheckPolicy('read', 'Subscription')
  @ApiOperation({ summary: 'List webhook subscriptions (seed API)' })
  @ApiOkResponse({ type: SubscriptionListResponse })
  @ApiErrors(400, 401, 403, 404)
  async list(@Query() query: SeedListSubscriptionsQueryDto) {
    const { tenant_id: ref, ...filters } = query;
    await this.actInNamedTenant(ref);
    return this.subscriptions.list(filters);
  }

  /** A tenant_id in the body must be the caller's or one it administers (else 404); the request then acts there. */
  private async actInNamedTenant(ref: string | undefined): Promise<void> {
    if (ref) this.access.actIn(await this.scope.resolve(ref));
  }
}
