import { Module } from '@nestjs/common';
import { WebhooksModule } from '@conduit/webhooks';
import { MonitorChecker } from './engine/monitor-checker';
import { MonitorChecksRetention } from './engine/monitor-checks-retention';
import { MonitorHttpClient } from './engine/monitor-http-client';
import { MonitorMetrics } from './engine/monitor-metrics';
import { MonitorScheduler } from './engine/monitor-scheduler';
import { MonitorsModule } from './monitors.module';

/**
 * Monitors' part of the worker: the scheduler claiming due monitors, the checks (publishing monitor.down / monitor.up
 * through webhooks' events), their metrics, and the retention of old checks (run by the worker's retention sweep).
 */
@Module({
  imports: [MonitorsModule, WebhooksModule],
  providers: [MonitorHttpClient, MonitorMetrics, MonitorChecker, MonitorScheduler, MonitorChecksRetention],
  exports: [MonitorChecksRetention],
})
export class MonitorsWorkerModule {}
