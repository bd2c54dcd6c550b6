import { ApiErrors, InvariantError } from '@conduit/platform';
import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import IORedis from 'ioredis';
import { Public } from '@conduit/access';
import { InjectRedis } from '@conduit/queues';
import { degradedReadiness } from './readiness';

@ApiTags('operations')
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly db: TypeOrmHealthIndicator,
    @InjectRedis() private readonly redis: IORedis,
  ) {}

  @Get('live')
  @Public()
  @ApiOperation({ summary: 'Liveness: the process is up' })
  @ApiOkResponse({
    schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } },
  })
  @ApiErrors(400)
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: PostgreSQL answers (503 when not); Redis down is 200 with status "degraded"',
    description: 'While Redis is away work is still accepted and kept in PostgreSQL, so the instance stays in service.',
  })
  @ApiErrors(400)
  async ready() {
    const check = this.health.check([
      () => this.db.pingCheck('database').withTimeout(2000),
      () =>
        this.indicators
          .check('redis')
          .attempt(async () => {
            if ((await this.redis.ping()) !== 'PONG')
              throw new InvariantError('unexpected_redis_reply', 'unexpected PING reply');
          })
          .withTimeout(2000),
    ]);
    try {
      return await check;
    } catch (err) {
      const degraded = degradedReadiness(err);
      if (!degraded) throw err;
      return degraded;
    }
  }
}
