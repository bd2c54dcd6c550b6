import type { Params } from 'nestjs-pino';
import pino from 'pino';
import { ConduitConfig, LOG_REDACT_PATHS, MASK, SECRET_KEY_PATTERN } from '@conduit/platform';
import { currentRequestId } from './request-scope';

/**
 * JSON logs with the request id on every line of a request (pino's mixin reads it from the request's CLS context, see
 * request-scope.ts); credentials are redacted before anything is written. Lines are written asynchronously: under load,
 * the lines of many requests leave in one write instead of one blocking write each (pino flushes what is left when the
 * process exits). No HTTP middleware: request-logging.ts writes each request's line from a Fastify hook.
 */
export function loggerParams(config: ConduitConfig, name: string): Params {
  return {
    forRoutes: [],
    pinoHttp: [
      {
        name,
        level: config.LOG_LEVEL,
        redact: { paths: LOG_REDACT_PATHS, censor: '[REDACTED]' },
        // A request or response logged through these loggers shows only these fields (pino-http wraps its standard
        // serializers around any given here). request-logging.ts writes its lines through a logger of its own.
        serializers: {
          req: (req: { id?: string; method?: string; url?: string }) => ({
            id: req.id,
            method: req.method,
            url: req.url === undefined ? undefined : loggedUrl(req.url),
          }),
          res: (res: { raw?: { statusCode?: number } }) => ({ statusCode: res.raw?.statusCode }),
        },
        mixin: () => {
          const requestId = currentRequestId();
          return requestId ? { request_id: requestId } : {};
        },
      },
      pino.destination({ dest: 1, sync: false }),
    ],
  };
}

// A receive URL's last segments are a source's key (a credential). The receive routes log their pattern only, but a
// GET probe, a preflight or an odd spelling of the path (upper case, doubled slashes, %2F) reaches Nest instead.
const RECEIVE_PATH = /^\/+api\/+(?:v1\/+webhook|webhooks\/+receive)(?=\/|$)/i;

// The seed's GET /updateUserSessionExpiretime/{accesstoken}/{exiprytime}/ carries an access token in its path.
const SESSION_EXPIRY_PATH = /^\/+updateUserSessionExpiretime(?=\/|$)/i;

/**
 * The URL as logged: anything after a receive prefix or the session-expiry prefix masked, and query values of
 * secret-looking names masked.
 */
export function loggedUrl(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const decoded = path.replace(/%2f/gi, '/');
  const receive = RECEIVE_PATH.exec(decoded) ?? SESSION_EXPIRY_PATH.exec(decoded);
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
