import { Controller, Get, Header, Headers } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '@conduit/access';
import { ConduitConfig, ConduitException, InjectConfig, constantTimeEqual } from '@conduit/platform';
import { HttpMetrics } from './http-metrics';

/** Prometheus scrape endpoint; protected by METRICS_TOKEN when one is configured. */
@ApiExcludeController()
@SkipThrottle()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: HttpMetrics,
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
