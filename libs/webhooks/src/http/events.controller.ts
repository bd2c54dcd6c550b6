import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CheckPolicy } from '@conduit/access';
import { ApiErrors } from '@conduit/platform';
import { Audited } from '@conduit/audit';
import { ApiIdempotencyKeyHeader, IdempotencyKeyHeader, idempotencyKey } from './idempotency-key';
import {
  EventDetailResponse,
  EventListResponse,
  ListEventsQueryDto,
  PublishEventDto,
  PublishedEventResponse,
} from '../dto/event.dto';
import { EventsService } from '../events.service';

@ApiTags('events')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Post()
  @HttpCode(202)
  @CheckPolicy('create', 'Event')
  @Audited('event.publish', 'Event')
  @ApiIdempotencyKeyHeader()
  @ApiOperation({ summary: 'Publish an event; one delivery per matching subscription is queued' })
  @ApiAcceptedResponse({ type: PublishedEventResponse })
  @ApiErrors(400, 401, 403)
  publish(@Body() dto: PublishEventDto, @IdempotencyKeyHeader() headerKey?: string): Promise<PublishedEventResponse> {
    return this.events.publish({ ...dto, idempotency_key: idempotencyKey(headerKey, dto.idempotency_key) });
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
