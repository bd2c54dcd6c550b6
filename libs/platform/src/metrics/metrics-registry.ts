// The Prometheus registry of one app: the process's own metrics and those its domains' modules register beside them
// (a worker module's job outcomes, say). One per Nest app, so an API and a worker in one process keep theirs apart.
import { Injectable } from '@nestjs/common';
import { Registry } from 'prom-client';

@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();
}
