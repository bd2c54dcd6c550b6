import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { Public } from '@conduit/access';
import { ConduitConfig, InjectConfig, InvariantError } from '@conduit/platform';
import { InjectRedis } from '@conduit/queues';
import { heartbeatKey } from '../maintenance/heartbeat-key';

type Probe = 'up' | 'down';

export interface WorkerHealth {
  status: 'ok' | 'degraded' | 'error';
  redis: Probe;
  database: Probe;
  last_heartbeat_at: string | null;
}

const CHECK_TIMEOUT_MS = 2000;

/**
 * Without Redis the worker waits (its queues and timers resume by themselves when Redis is back; a restart would not
 * help), so it is degraded, not failed; without the database it can do nothing.
 */
export function workerHealthStatus(
  redis: Probe,
  database: Probe,
): { status: WorkerHealth['status']; httpStatus: 200 | 503 } {
  if (database === 'down') return { status: 'error', httpStatus: 503 };
  return redis === 'up' ? { status: 'ok', httpStatus: 200 } : { status: 'degraded', httpStatus: 200 };
}

/** Resolves 'down' rather than hanging when a dependency stops answering. */
async function probe(check: () => Promise<unknown>): Promise<Probe> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Probe>((resolve) => (timer = setTimeout(() => resolve('down'), CHECK_TIMEOUT_MS)));
  try {
    return await Promise.race([
      check().then(
        (): Probe => 'up',
        (): Probe => 'down',
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

@Controller('health')
export class WorkerHealthController {
  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    @InjectRedis() private readonly redis: IORedis,
    private readonly dataSource: DataSource,
  ) {}

  @Get()
  @Public()
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<WorkerHealth> {
    let lastHeartbeat: string | null = null;
    const [redis, database] = await Promise.all([
      probe(async () => {
        if ((await this.redis.ping()) !== 'PONG')
          throw new InvariantError('unexpected_redis_reply', 'unexpected PING reply');
        lastHeartbeat = await this.redis.get(heartbeatKey(this.config.REDIS_PREFIX));
      }),
      probe(() => this.dataSource.query('SELECT 1')),
    ]);
    const { status, httpStatus } = workerHealthStatus(redis, database);
    void reply.status(httpStatus);
    return { status, redis, database, last_heartbeat_at: lastHeartbeat };
  }
}
