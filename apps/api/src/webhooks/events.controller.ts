import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiHeader, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CheckPolicy } from '@conduit/access';
import { CommonException } from '@conduit/platform';
import { EventDetailResponse, EventListResponse, EventsService, ListEventsQueryDto, PublishEventDto, PublishedEventResponse } from '@conduit/webhooks';
import { ApiErrors } from '../http/api-errors.decorator';
import { Audited } from '../http/audited.decorator';

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
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key within 24 h returns the first event' })
  @ApiOperation({ summary: 'Publish an event; one delivery per matching subscription is queued' })
  @ApiAcceptedResponse({ type: PublishedEventResponse })
  @ApiErrors(400, 401, 403)
  publish(@Body() dto: PublishEventDto, @Headers('idempotency-key') headerKey?: string): Promise<PublishedEventResponse> {
    if (headerKey !== undefined && (headerKey.length === 0 || headerKey.length > 200)) {
      throw CommonException.validation('Idempotency-Key must be 1-200 characters', [{ field: 'Idempotency-Key', message: 'length 1-200' }]);
    }
    return this.events.publish({ ...dto, idempotency_key: dto.idempotency_key ?? headerKey });
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
