import type { Params } from 'nestjs-pino';
import { ConduitConfig, LOG_REDACT_PATHS } from '@conduit/platform';

/** JSON logs with the request id on every line; credentials are redacted before anything is written. */
export function loggerParams(config: ConduitConfig, name: string): Params {
  return {
    pinoHttp: {
      name,
      level: config.LOG_LEVEL,
      redact: { paths: LOG_REDACT_PATHS, censor: '[REDACTED]' },
      genReqId: (req) => (req as { id?: string }).id ?? '',
      customProps: (req) => ({ request_id: (req as { id?: string }).id }),
      autoLogging: { ignore: (req) => req.url === '/health/live' || req.url === '/metrics' },
      serializers: {
        req: (req: { id?: string; method?: string; url?: string }) => ({ id: req.id, method: req.method, url: req.url }),
      },
    },
  };
}
