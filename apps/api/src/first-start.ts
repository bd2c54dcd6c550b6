import type { INestApplicationContext } from '@nestjs/common';
import { ConduitConfig } from '@conduit/platform';
import { OperatorService } from '@conduit/tenants';

/**
 * Creates the platform admin on first start. The password comes from CONDUIT_ADMIN_PASSWORD or is generated (only
 * when `generatePassword`: development). Returns the lines that tell the operator, or null when nothing was created;
 * the caller prints them (src/dev.ts in its start banner, after the start-up logs). Nothing is logged.
 */
export async function ensureAdmin(
  app: INestApplicationContext,
  config: ConduitConfig,
  opts: { generatePassword: boolean },
): Promise<string[] | null> {
  if (!opts.generatePassword && !config.CONDUIT_ADMIN_PASSWORD) return null;
  const result = await app
    .get(OperatorService)
    .ensurePlatformAdmin(config.CONDUIT_ADMIN_EMAIL, config.CONDUIT_ADMIN_PASSWORD);
  if (!result.created) return null;
  return [
    'Conduit platform admin created',
    `  email:    ${result.email}`,
    result.generatedPassword
      ? `  password: ${result.generatedPassword}   (shown once; change it after signing in)`
      : '  password: the value of CONDUIT_ADMIN_PASSWORD',
  ];
}
