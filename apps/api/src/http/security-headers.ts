// Helmet's headers. HSTS and upgrade-insecure-requests only when users reach the service over HTTPS (PUBLIC_URL):
// on plain HTTP the upgrade makes a browser fetch Swagger UI's scripts from https:// at an address with no TLS (every
// address but localhost, which browsers never upgrade), and the page stays blank.
//
// The headers are the same for every response, so helmet runs once, at start-up, and each response gets the values it
// produced (@fastify/helmet builds helmet's middleware anew and parses the CSP directives on every request).
import helmet, { HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConduitConfig, InvariantError } from '@conduit/platform';

export function servedOverHttps(config: ConduitConfig): boolean {
  return /^https:\/\//i.test(config.PUBLIC_URL ?? '');
}

export function securityHeaders(config: ConduitConfig): HelmetOptions {
  const https = servedOverHttps(config);
  return {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        // helmet's defaults add it; null removes it
        upgradeInsecureRequests: https ? [] : null,
      },
    },
    strictTransportSecurity: https,
  };
}

/** The headers helmet sets with these options, as name → value, computed once. */
export function securityHeaderValues(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader: () => undefined,
  };
  let called = false;
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => (called = true));
  if (!called) throw new InvariantError('helmet_async', 'helmet did not set its headers synchronously');
  return headers;
}
