import type { INestApplicationContext } from '@nestjs/common';
import { ConduitConfig } from '@conduit/platform';
import { OperatorService } from '@conduit/tenants';

/**
 * Creates the platform admin on first start. The password comes from CONDUIT_ADMIN_PASSWORD or is generated;
 * a generated one is printed once (development) and never logged by production processes.
 */
export async function ensureAdmin(
  app: INestApplicationContext,
  config: ConduitConfig,
  opts: { printGeneratedPassword: boolean },
): Promise<void> {
  if (!opts.printGeneratedPassword && !config.CONDUIT_ADMIN_PASSWORD) return;
  const result = await app
    .get(OperatorService)
    .ensurePlatformAdmin(config.CONDUIT_ADMIN_EMAIL, config.CONDUIT_ADMIN_PASSWORD);
  if (!result.created) return;
  const lines = ['', '  Conduit platform admin created', `    email:    ${result.email}`];
  if (result.generatedPassword)
    lines.push(`    password: ${result.generatedPassword}   (shown once; change it after signing in)`);
  else lines.push('    password: the value of CONDUIT_ADMIN_PASSWORD');
  process.stdout.write(`${lines.join('\n')}\n\n`);
}
