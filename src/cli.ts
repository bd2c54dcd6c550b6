// Operator commands: `npm run cli -- <command> [--flags]`. Without DATABASE_URL it uses the `npm start` database.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ROLES, Role, isRole } from '@conduit/access';
import { API_MIGRATIONS } from '@conduit/api/api.module';
import { MembershipLookup, TokenService } from '@conduit/auth';
import { migrateDatabase } from '@conduit/database';
import {
  CodedError,
  ConduitConfig,
  ConduitException,
  ConfigError,
  parseConfig,
  parseDevConfig,
} from '@conduit/platform';
import { MasterKeyRotation } from '@conduit/secrets';
import { OperatorService, UserAccounts } from '@conduit/tenants';
import { CliModule } from './cli.module';
import { embeddedDatabaseUrl, readOrCreateSecret } from './embedded-postgres';

const USAGE = `Usage: npm run cli -- <command> [options]

  migrate                                           run database migrations (and create the runtime role)
  tenant:create --code CODE --name NAME [--parent CODE]
  user:create --email E --password P --tenant CODE --role ROLE   (roles: ${ROLES.join(', ')})
  token:issue --email E [--tenant CODE]             print an access token for scripts
  keys:status                                       count data keys per master key id (exit 1: some under an unknown id)
  keys:rewrap                                       re-wrap data keys under the active master key (exit 1: some could not be)
`;

class UsageError extends CodedError<'usage'> {
  readonly code = 'usage';
}

function loadConfig(): ConduitConfig {
  const env = { ...process.env };
  if (!env.DATABASE_URL || !env.CONDUIT_MASTER_KEY) {
    const dev = parseDevConfig(env);
    const dataDir = resolve(dev.CONDUIT_DATA_DIR);
    env.DATABASE_URL ||= embeddedDatabaseUrl(dataDir, dev.EMBEDDED_POSTGRES_PORT) ?? undefined;
    if (!env.CONDUIT_MASTER_KEY && env.DATABASE_URL) {
      env.CONDUIT_MASTER_KEY = readOrCreateSecret(join(dataDir, 'master.key'), () => {
        throw new UsageError(
          'CONDUIT_MASTER_KEY is not set and no development key exists: set it, or run `npm start` once',
        );
      });
    }
  }
  return parseConfig(env);
}

function required(values: Record<string, string | undefined>, ...names: string[]): string[] {
  const missing = names.filter((n) => !values[n]);
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((n) => `--${n}`).join(', ')}\n\n${USAGE}`);
  return names.map((n) => values[n] as string);
}

/** An unknown option or one without its value is a usage error (exit 2), like a missing one. */
function parseOptions(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        code: { type: 'string' },
        name: { type: 'string' },
        parent: { type: 'string' },
        email: { type: 'string' },
        password: { type: 'string' },
        tenant: { type: 'string' },
        role: { type: 'string' },
      },
      strict: true,
    });
  } catch (err) {
    const code = String((err as { code?: unknown }).code);
    if (!code.startsWith('ERR_PARSE_ARGS')) throw err;
    // A stray argument is never echoed: it may be half of a password that was not quoted.
    const message =
      code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL'
        ? 'unexpected argument (quote values that contain spaces)'
        : (err as Error).message;
    throw new UsageError(`${message}\n\n${USAGE}`);
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const { values } = parseOptions(rest);
  if (!command || command === 'help' || command === '--help') {
    process.stdout.write(USAGE);
    return;
  }
  const config = loadConfig();
  if (command === 'migrate') {
    const result = await migrateDatabase(config, API_MIGRATIONS);
    process.stdout.write(
      result.applied.length ? `applied: ${result.applied.join(', ')}\n` : 'database is up to date\n',
    );
    return;
  }
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['error'] });
  try {
    const operator = app.get(OperatorService);
    switch (command) {
      case 'tenant:create': {
        const [code, name] = required(values, 'code', 'name');
        const tenant = await operator.createTenant({ code, name, parentCode: values.parent });
        process.stdout.write(
          `${JSON.stringify({ id: tenant.id, code: tenant.code, name: tenant.name, parent_id: tenant.parent_id })}\n`,
        );
        return;
      }
      case 'user:create': {
        const [email, password, tenant, role] = required(values, 'email', 'password', 'tenant', 'role');
        if (!isRole(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
        if (password.length < 12) throw new UsageError('--password must be at least 12 characters');
        const user = await operator.createUser({ email, password, tenantCode: tenant, role: role as Role });
        process.stdout.write(`${JSON.stringify({ id: user.id, email: user.email, tenant, role })}\n`);
        return;
      }
      case 'token:issue': {
        const [email] = required(values, 'email');
        const user = await app.get(UserAccounts).findByEmail(email);
        if (!user) throw new UsageError(`no user with email ${email}`);
        const memberships = await app.get(MembershipLookup).forUser(user.id);
        const wanted = values.tenant?.toLowerCase();
        const membership = wanted
          ? memberships.find((m) => m.tenant.code === wanted || m.tenant.id === wanted)
          : memberships[0];
        if (!membership) throw new UsageError(`${email} is not a member of ${wanted ?? 'any tenant'}`);
        const { token } = app
          .get(TokenService)
          .issueAccessToken({ userId: user.id, tenantId: membership.tenant.id, role: membership.role });
        process.stdout.write(`${token}\n`);
        return;
      }
      case 'keys:status': {
        const status = await app.get(MasterKeyRotation).status();
        process.stdout.write(`${JSON.stringify(status)}\n`);
        if (status.unknown_master_key_ids.length > 0) process.exitCode = 1;
        return;
      }
      case 'keys:rewrap': {
        const summary = await app.get(MasterKeyRotation).rewrap();
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        if (summary.failures.length > 0) process.exitCode = 1;
        return;
      }
      default:
        throw new UsageError(`unknown command ${command}\n\n${USAGE}`);
    }
  } finally {
    await app.close();
  }
}

main(process.argv.slice(2)).then(
  // embedded-postgres's exit hook ends the process on beforeExit with code 0: a set exitCode needs an explicit exit.
  () => {
    if (process.exitCode) process.exit(process.exitCode);
  },
  (err: unknown) => {
    if (err instanceof UsageError || err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
    else if (err instanceof ConduitException) process.stderr.write(`${err.code}: ${err.message}\n`);
    else process.stderr.write(`cli failed: ${(err as Error).message}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
