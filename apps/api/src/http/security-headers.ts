// Helmet's headers. HSTS and upgrade-insecure-requests only when users reach the service over HTTPS (PUBLIC_URL):
// on plain HTTP the upgrade makes a browser fetch Swagger UI's scripts from https:// at an address with no TLS (every
// address but localhost, which browsers never upgrade), and the page stays blank.
import type { FastifyHelmetOptions } from '@fastify/helmet';
import { ConduitConfig } from '@conduit/platform';

export function servedOverHttps(config: ConduitConfig): boolean {
  return /^https:\/\//i.test(config.PUBLIC_URL ?? '');
}

export function securityHeaders(config: ConduitConfig): FastifyHelmetOptions {
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
