import { Controller } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { MetricsEndpoint } from '@conduit/access';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { HttpMetrics } from './http-metrics';

/** The API's Prometheus scrape endpoint (HTTP, process, queue and database pool metrics). */
@ApiExcludeController()
@SkipThrottle()
@Controller('metrics')
export class MetricsController extends MetricsEndpoint {
  constructor(metrics: HttpMetrics, @InjectConfig() config: ConduitConfig) {
    super(metrics, config);
  }
}
