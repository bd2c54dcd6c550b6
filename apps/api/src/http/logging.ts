import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import { ConduitConfig, LOG_REDACT_PATHS } from '@conduit/platform';

/** JSON logs with the request id on every line; credentials are redacted before anything is written. */
export function loggerParams(config: ConduitConfig, name: string): Params {
  return {
    // nestjs-pino's default route pattern does not match under Nest 12's Fastify middleware layer.
    forRoutes: [{ path: '/{*path}', method: RequestMethod.ALL }],
    pinoHttp: {
      name,
      level: config.LOG_LEVEL,
      redact: { paths: LOG_REDACT_PATHS, censor: '[REDACTED]' },
      genReqId: (req) => (req as { id?: string }).id ?? '',
      customProps: (req) => ({ request_id: (req as { id?: string }).id }),
      autoLogging: {
        ignore: (req) => {
          const url = (req as { originalUrl?: string }).originalUrl ?? req.url;
          return url === '/health/live' || url === '/metrics';
        },
      },
      serializers: {
        req: (req: { id?: string; method?: string; url?: string }) => ({ id: req.id, method: req.method, url: req.url }),
      },
    },
  };
}
