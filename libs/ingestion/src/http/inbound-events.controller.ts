import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CheckPolicy } from '@conduit/access';
import { EmptyBodyDto } from '@conduit/webhooks';
import { ApiErrors } from '@conduit/platform';
import { Audited } from '@conduit/audit';
import {
  InboundEventDetailResponse,
  InboundEventListResponse,
  InboundEventResponse,
  ListInboundEventsQueryDto,
  ReplayResponse,
} from '../dto/inbound-event.dto';
import { InboundReplayRangeDto } from '../dto/source.dto';
import { InboundEventsService } from '../inbound-events.service';

@ApiTags('inbound events')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/inbound-events')
export class InboundEventsController {
  constructor(private readonly events: InboundEventsService) {}

  @Get()
  @CheckPolicy('read', 'InboundEvent')
  @ApiOperation({ summary: 'List received webhooks (filters: source, status, type, time)' })
  @ApiOkResponse({ type: InboundEventListResponse })
  @ApiErrors(400, 401, 403)
  list(@Query() query: ListInboundEventsQueryDto) {
    return this.events.list(query);
  }

  @Post('replay')
  @HttpCode(202)
  @CheckPolicy('update', 'InboundEvent')
  @Audited('inbound_event.replay_range', 'InboundEvent')
  @ApiOperation({ summary: 'Route every received webhook in a time range again' })
  @ApiAcceptedResponse({ type: ReplayResponse })
  @ApiErrors(400, 401, 403)
  replayRange(@Body() dto: InboundReplayRangeDto): Promise<ReplayResponse> {
    return this.events.replayRange(dto.since, dto.until, dto.source_id);
  }

  @Get(':id')
  @CheckPolicy('read', 'InboundEvent')
  @ApiOperation({ summary: 'A received webhook with its headers, exact body and routing result' })
  @ApiOkResponse({ type: InboundEventDetailResponse })
  @ApiErrors(401, 403, 404)
  get(@Param('id') id: string): Promise<InboundEventDetailResponse> {
    return this.events.get(id);
  }

  @Post(':id/replay')
  @HttpCode(202)
  @CheckPolicy('update', 'InboundEvent')
  @Audited('inbound_event.replay', 'InboundEvent')
  @ApiOperation({ summary: 'Route a received webhook again (publishes a new outgoing event)' })
  @ApiAcceptedResponse({ type: InboundEventResponse })
  @ApiErrors(400, 401, 403, 404)
  replay(@Param('id') id: string, @Body() _body: EmptyBodyDto): Promise<InboundEventResponse> {
    return this.events.replay(id);
  }
}
