import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AccessService, CheckPolicy } from '@conduit/access';
import { ApiErrors } from '@conduit/platform';
import { AuditSpec, AuditedInHandler, requestAuditEntry } from '@conduit/audit';
import { OwnTransactions } from '@conduit/database';
import { ApiIdempotencyKeyHeader, IdempotencyKeyHeader, idempotencyKey } from './idempotency-key';
import {
  EventDetailResponse,
  EventListResponse,
  ListEventsQueryDto,
  PublishEventDto,
  PublishedEventResponse,
} from '../dto/event.dto';
import { EventsService } from '../events.service';
import { PublishGroupCommit } from '../publish-group-commit';

const PUBLISH_AUDIT: AuditSpec = { action: 'event.publish', target: 'Event' };
const PUBLISHED = 202;

@ApiTags('events')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/events')
export class EventsController {
  constructor(
    private readonly events: EventsService,
    private readonly groupCommit: PublishGroupCommit,
    private readonly access: AccessService,
  ) {}

  /**
   * Group-committed with the publishes arriving at the same time (PublishGroupCommit): no request transaction, and the
   * success audit row is written with the event, as the request's interceptor would have written it.
   */
  @Post()
  @HttpCode(PUBLISHED)
  @OwnTransactions()
  @CheckPolicy('create', 'Event')
  @AuditedInHandler(PUBLISH_AUDIT.action, PUBLISH_AUDIT.target)
  @ApiIdempotencyKeyHeader()
  @ApiOperation({ summary: 'Publish an event; one delivery per matching subscription is queued' })
  @ApiAcceptedResponse({ type: PublishedEventResponse })
  @ApiErrors(400, 401, 403)
  publish(
    @Body() dto: PublishEventDto,
    @Req() req: FastifyRequest,
    @IdempotencyKeyHeader() headerKey?: string,
  ): Promise<PublishedEventResponse> {
    const input = { ...dto, idempotency_key: idempotencyKey(headerKey, dto.idempotency_key) };
    const audit = requestAuditEntry(this.access.identity(), req, PUBLISH_AUDIT, PUBLISHED, null);
    return this.groupCommit.publish(input, audit);
  }

  @Get()
  @CheckPolicy('read', 'Event')
  @ApiOperation({ summary: 'List events, newest first' })
  @ApiOkResponse({ type: EventListResponse })
  @ApiErrors(400, 401, 403)
  list(@Query() query: ListEventsQueryDto) {
    return this.events.list(query);
  }

  @Get(':id')
  @CheckPolicy('read', 'Event')
  @ApiOperation({ summary: 'Get an event with its deliveries' })
  @ApiOkResponse({ type: EventDetailResponse })
  @ApiErrors(401, 403, 404)
  get(@Param('id') id: string): Promise<EventDetailResponse> {
    return this.events.get(id);
  }
}
