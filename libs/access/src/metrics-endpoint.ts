// GET /metrics, served alike by the API and the worker: Prometheus text from the process's registry, behind
// METRICS_TOKEN when one is configured. Each process subclasses it with its own @Controller('metrics') and registry.
import { Get, Header, Headers } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { ConduitConfig, ConduitException, constantTimeEqual } from '@conduit/platform';
import { Public } from './policy.decorators';

export abstract class MetricsEndpoint {
  protected constructor(
    private readonly source: { readonly registry: Registry },
    private readonly config: ConduitConfig,
  ) {}

  @Get()
  @Public()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(@Headers('authorization') authorization?: string): Promise<string> {
    const token = this.config.METRICS_TOKEN;
    if (token && !constantTimeEqual(authorization ?? '', `Bearer ${token}`)) {
      throw new ConduitException('unauthenticated', 401, 'Metrics need the configured bearer token');
    }
    return this.source.registry.metrics();
  }
}
