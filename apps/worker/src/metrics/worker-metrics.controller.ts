import { Controller } from '@nestjs/common';
import { MetricsEndpoint } from '@conduit/access';
import { ConduitConfig, InjectConfig } from '@conduit/platform';
import { WorkerMetrics } from './worker-metrics';

/** The worker's Prometheus scrape endpoint on its health port (jobs, HTTP exchanges, process and pool metrics). */
@Controller('metrics')
export class WorkerMetricsController extends MetricsEndpoint {
  constructor(metrics: WorkerMetrics, @InjectConfig() config: ConduitConfig) {
    super(metrics, config);
  }
}
