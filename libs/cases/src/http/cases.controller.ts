import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { CheckPolicy } from '@conduit/access';
import { Audited } from '@conduit/audit';
import { ApiErrors } from '@conduit/platform';
import { CasesService } from '../cases.service';
import {
  CaseEventListResponse,
  CaseListResponse,
  CaseResponse,
  CreateCaseDto,
  ListCaseEventsQueryDto,
  ListCasesQueryDto,
  UpdateCaseDto,
} from '../dto/case.dto';

@ApiTags('cases')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/cases')
export class CasesController {
  constructor(private readonly cases: CasesService) {}

  @Get()
  @CheckPolicy('read', 'Case')
  @ApiOperation({
    summary: 'List cases, newest first',
    description: 'Filters: status, severity, source, instance_id, since/until (created), q (text in the title).',
  })
  @ApiOkResponse({ type: CaseListResponse })
  @ApiErrors(400, 401, 403)
  list(@Query() query: ListCasesQueryDto): Promise<CaseListResponse> {
    return this.cases.list(query);
  }

  @Post()
  @CheckPolicy('create', 'Case')
  @Audited('case.create', 'Case')
  @ApiOperation({ summary: 'Open a case by hand (source manual); publishes case.created' })
  @ApiCreatedResponse({ type: CaseResponse })
  @ApiErrors(400, 401, 403)
  create(@Body() body: CreateCaseDto): Promise<CaseResponse> {
    return this.cases.create(body);
  }

  @Get(':id')
  @CheckPolicy('read', 'Case')
  @ApiOperation({ summary: 'Get a case' })
  @ApiOkResponse({ type: CaseResponse })
  @ApiErrors(401, 403, 404)
  get(@Param('id') id: string): Promise<CaseResponse> {
    return this.cases.get(id);
  }

  @Patch(':id')
  @CheckPolicy('update', 'Case')
  @Audited('case.update', 'Case')
  @ApiOperation({
    summary: 'Change a case’s status, severity, assignee or tags; publishes case.updated',
    description:
      'The body carries the version read: 409 case_version_conflict when the case changed since. Closing sets ' +
      'closed_at; another status clears it.',
  })
  @ApiOkResponse({ type: CaseResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  update(@Param('id') id: string, @Body() body: UpdateCaseDto): Promise<CaseResponse> {
    return this.cases.update(id, body);
  }

  @Get(':id/events')
  @CheckPolicy('read', 'CaseEvent')
  @ApiOperation({ summary: 'The case’s events, newest first (by occurred_at), each with its item as received' })
  @ApiOkResponse({ type: CaseEventListResponse })
  @ApiErrors(400, 401, 403, 404)
  events(@Param('id') id: string, @Query() query: ListCaseEventsQueryDto): Promise<CaseEventListResponse> {
    return this.cases.listEvents(id, query);
  }
}
