import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health/health.controller';
import { HttpMetrics } from './metrics/http-metrics';
import { MetricsController } from './metrics/metrics.controller';
import { QueueBoardController } from './queue-board/queue-board.controller';

/**
 * The API process's own routes: the queue dashboard's session, health and metrics. Imported after the domains, so its
 * routes come after theirs in the OpenAPI document as before.
 */
@Module({
  // A readiness probe comes every few seconds and its answer carries the details: terminus logging each failed one
  // would repeat an outage per probe. Outages are logged once by whatever watches the dependency.
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [QueueBoardController, HealthController, MetricsController],
  providers: [HttpMetrics],
  exports: [HttpMetrics],
})
export class OperationsModule {}
