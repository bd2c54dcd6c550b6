import { Controller, Get, Headers, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiSecurity,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CheckPolicy } from '@conduit/access';
import { ApiErrors, ErrorResponseDto } from '@conduit/platform';
import { LicenseReportQueryDto, LicenseReportResponse } from '../dto/license-report.dto';
import { prefersCsv } from '../usage/csv';
import { REPORT_CSV_COLUMNS, UsageReportService } from '../usage/usage-report.service';

const CSV_EXAMPLE =
  `${REPORT_CSV_COLUMNS.join(',')}\r\n` +
  '2026-11,tenant,0193a6b2-7c1e-7d3a-9f00-3c2e51a1b001,acme,"Acme, Inc.",,1520,1200,320,12,3,,\r\n' +
  '2026-11,installation,,,,,812000,,,,,1000000,false\r\n';

@ApiTags('licensing')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@ApiExtraModels(LicenseReportResponse)
@Controller('api/v1/license')
export class LicenseReportController {
  constructor(private readonly reports: UsageReportService) {}

  @Get('report')
  @CheckPolicy('read', 'LicenseUsage')
  @ApiOperation({
    summary: 'The compliance report of a month: events and peaks per tenant, the installation against its licence',
    description:
      'Platform admins get every tenant and the installation total against `events_per_month` (crossing it is ' +
      'reported, never enforced); MSSP admins the tenant they act in and its subtree. JSON by default; ' +
      '`Accept: text/csv` gives one CSV line per tenant (RFC 4180), and for platform admins an installation line. ' +
      'Figures are counted by the worker a few minutes behind.',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({
    description: 'The report, as JSON or (Accept: text/csv) as CSV',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(LicenseReportResponse) } },
      'text/csv': { schema: { type: 'string' }, example: CSV_EXAMPLE },
    },
  })
  @ApiResponse({
    status: 400,
    description:
      'invalid_report_month: month is not YYYY-MM, before 2000-01 or after the current month; validation_failed',
    type: ErrorResponseDto,
  })
  @ApiErrors(401, 403)
  async report(
    @Query() query: LicenseReportQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<LicenseReportResponse | string> {
    const report = await this.reports.report(query.month);
    void reply.header('vary', 'Accept');
    if (!prefersCsv(accept)) return report;
    void reply.header('content-type', 'text/csv; charset=utf-8');
    void reply.header('content-disposition', `attachment; filename="conduit-usage-${report.month}.csv"`);
    return this.reports.csv(report);
  }
}
