import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { CheckPolicy } from '@conduit/access';
import { Audited } from '@conduit/audit';
import { ApiErrors } from '@conduit/platform';
import {
  CreateMonitorDto,
  ListMonitorsQueryDto,
  MonitorListResponse,
  MonitorResponse,
  UpdateMonitorDto,
} from '../dto/monitor.dto';
import {
  ListMonitorChecksQueryDto,
  MonitorCheckListResponse,
  MonitorStatsQueryDto,
  MonitorStatsResponse,
} from '../dto/monitor-check.dto';
import { MonitorsService } from '../monitors.service';

const CHECKS =
  '400 validation_failed names each bad field: a URL that is not absolute http(s), a method outside the list, ' +
  "interval_seconds under the server's MONITOR_MIN_INTERVAL_SECONDS (10 by default) or over 86400, timeout_ms " +
  'outside 100-60000 or over the interval, an expected_status that is not codes and ranges.';

@ApiTags('monitors')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/monitors')
export class MonitorsController {
  constructor(private readonly monitors: MonitorsService) {}

  @Post()
  @CheckPolicy('create', 'Monitor')
  @Audited('monitor.create', 'Monitor')
  @ApiOperation({
    summary: 'Create an HTTP monitor (first check within a second or so, then one per interval)',
    description: CHECKS,
  })
  @ApiCreatedResponse({ type: MonitorResponse })
  @ApiErrors(400, 401, 403)
  create(@Body() body: CreateMonitorDto): Promise<MonitorResponse> {
    return this.monitors.create(body);
  }

  @Get()
  @CheckPolicy('read', 'Monitor')
  @ApiOperation({ summary: 'List monitors, newest first (filters: enabled, status)' })
  @ApiOkResponse({ type: MonitorListResponse })
  @ApiErrors(400, 401, 403)
  list(@Query() query: ListMonitorsQueryDto): Promise<MonitorListResponse> {
    return this.monitors.list(query);
  }

  @Get(':id')
  @CheckPolicy('read', 'Monitor')
  @ApiOperation({ summary: 'Get a monitor with its state (status, consecutive_failures, last and next check)' })
  @ApiOkResponse({ type: MonitorResponse })
  @ApiErrors(401, 403, 404)
  get(@Param('id') id: string): Promise<MonitorResponse> {
    return this.monitors.get(id);
  }

  @Patch(':id')
  @CheckPolicy('update', 'Monitor')
  @Audited('monitor.update', 'Monitor')
  @ApiOperation({
    summary: 'Change a monitor: the keys sent replace the saved ones (its state is kept)',
    description: `${CHECKS} Enabling a disabled monitor checks it at once.`,
  })
  @ApiOkResponse({ type: MonitorResponse })
  @ApiErrors(400, 401, 403, 404)
  update(@Param('id') id: string, @Body() body: UpdateMonitorDto): Promise<MonitorResponse> {
    return this.monitors.update(id, body);
  }

  @Delete(':id')
  @CheckPolicy('delete', 'Monitor')
  @Audited('monitor.delete', 'Monitor')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a monitor and its checks' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(401, 403, 404)
  async remove(@Param('id') id: string): Promise<void> {
    await this.monitors.remove(id);
  }

  @Get(':id/checks')
  @CheckPolicy('read', 'Monitor')
  @ApiOperation({ summary: 'The monitor’s checks, newest first (kept for the tenant’s retention)' })
  @ApiOkResponse({ type: MonitorCheckListResponse })
  @ApiErrors(400, 401, 403, 404)
  checks(@Param('id') id: string, @Query() query: ListMonitorChecksQueryDto): Promise<MonitorCheckListResponse> {
    return this.monitors.listChecks(id, query);
  }

  @Get(':id/stats')
  @CheckPolicy('read', 'Monitor')
  @ApiOperation({
    summary: 'Checks, uptime ratio and latency percentiles (p50, p95, p99) over a window ending now',
    description: '400 validation_failed for a window that is not 1h to 30d (e.g. 90m, 24h, 7d).',
  })
  @ApiOkResponse({ type: MonitorStatsResponse })
  @ApiErrors(400, 401, 403, 404)
  stats(@Param('id') id: string, @Query() query: MonitorStatsQueryDto): Promise<MonitorStatsResponse> {
    return this.monitors.stats(id, query.window);
  }
}
