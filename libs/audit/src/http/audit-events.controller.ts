import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CheckPolicy } from '@conduit/access';
import { ApiErrors } from '@conduit/platform';
import { AuditEventsService } from '../audit-events.service';
import { AuditEventListResponse, ListAuditEventsQueryDto } from '../dto/audit-event.dto';

@ApiTags('audit')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/audit-events')
export class AuditEventsController {
  constructor(private readonly events: AuditEventsService) {}

  @Get()
  @CheckPolicy('read', 'AuditEvent')
  @ApiOperation({ summary: 'Audit trail of the acting tenant, newest first' })
  @ApiOkResponse({ type: AuditEventListResponse })
  @ApiErrors(400, 401, 403)
  list(@Query() query: ListAuditEventsQueryDto) {
    return this.events.list(query);
  }
}
