import { RequestMethod } from '@nestjs/common';
import type { Params } from 'nestjs-pino';
import { ConduitConfig, LOG_REDACT_PATHS, MASK, SECRET_KEY_PATTERN } from '@conduit/platform';

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
        req: (req: { id?: string; method?: string; url?: string }) => ({
          id: req.id,
          method: req.method,
          url: loggedUrl(req.url ?? ''),
        }),
      },
    },
  };
}

// A receive URL's last segments are a source's key (a credential). The receive routes log their pattern only, but a
// GET probe, a preflight or an odd spelling of the path (upper case, doubled slashes, %2F) reaches Nest instead.
const RECEIVE_PATH = /^\/+api\/+(?:v1\/+webhook|webhooks\/+receive)(?=\/|$)/i;

/** The URL as logged: anything after a receive prefix masked, and query values of secret-looking names masked. */
export function loggedUrl(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const receive = RECEIVE_PATH.exec(path.replace(/%2f/gi, '/'));
  if (receive) return `${receive[0]}/${MASK}`;
  if (q < 0) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return eq >= 0 && SECRET_KEY_PATTERN.test(safeDecode(name)) ? `${name}=${MASK}` : pair;
    })
    .join('&');
  return `${path}?${query}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
