import { Controller, Get, Header, Headers } from '@nestjs/common';
import { Public } from '@conduit/access';
import { ConduitConfig, ConduitException, InjectConfig, constantTimeEqual } from '@conduit/platform';
import { WorkerMetrics } from './worker-metrics';

/** Prometheus scrape endpoint on the worker's HTTP port; protected by METRICS_TOKEN when one is configured. */
@Controller('metrics')
export class WorkerMetricsController {
  constructor(
    private readonly metrics: WorkerMetrics,
    @InjectConfig() private readonly config: ConduitConfig,
  ) {}

  @Get()
  @Public()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(@Headers('authorization') authorization?: string): Promise<string> {
    const token = this.config.METRICS_TOKEN;
    if (token && !constantTimeEqual(authorization ?? '', `Bearer ${token}`)) {
      throw new ConduitException('unauthenticated', 401, 'Metrics need the configured bearer token');
    }
    return this.metrics.registry.metrics();
  }
}
