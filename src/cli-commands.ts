// The operator commands themselves, run in a Nest application context (src/cli.ts finds the database first).
import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ROLES, Role, isRole } from '@conduit/access';
import { MembershipLookup, TokenService } from '@conduit/auth';
import { DatabaseUrls } from '@conduit/database';
import { LicenseService, generateLicenseKeyPair, signLicense } from '@conduit/licensing';
import { ConduitConfig, ConduitException } from '@conduit/platform';
import { MasterKeyRotation } from '@conduit/secrets';
import { OperatorService, UserAccounts } from '@conduit/tenants';
import { CliModule } from './cli.module';
import { CommandFailedError, UsageError } from './cli-errors';
import { TRANSFER_COMMANDS, runTransferCommand } from './cli-transfer';
import { runMigrateAll, runMigrateStatus, runTenantMove } from './cli-move';
import { repairSourceDirectory } from './cli-source-directory';

export const USAGE = `Usage: npm run cli -- <command> [options]   (in the Docker image: conduit <command> [options])

  migrate [--status]                                run database migrations (and create the runtime role) in the
                                                    core database, then in every dedicated tenant's database;
                                                    --status: each database's pending migrations, one JSON line each
  sources:directory --repair                        an entry in the inbound source directory for every tenant's
                                                    live source that lacks one, and away the entries (older than an
                                                    hour) naming none; migrate does it too (exit 1: a tenant's
                                                    sources could not be read; its entries are left as they are)
  tenant:move --tenant CODE --to dedicated --database-url URL
  tenant:move --tenant CODE --to shared             move the tenant's rows to its own database or back to the core
                                                    one (copied, verified, switched with a short pause of its
                                                    writes); progress on stderr; see docs/dedicated-tenants.md
  tenant:move --tenant CODE --cleanup               delete the tenant's rows from the database its last move left
  tenant:create --code CODE --name NAME [--parent CODE]
  user:create --email E --password P --tenant CODE --role ROLE   (roles: ${ROLES.join(', ')})
  token:issue --email E [--tenant CODE]             print an access token for scripts
  keys:status                                       count data keys and dedicated database URLs per master key id
                                                    (exit 1: some under an unknown id)
  keys:rewrap                                       re-wrap data keys and dedicated database URLs' data keys under the
                                                    active master key (exit 1: some could not be)
  license:status                                    print the licence in force (plan, expiry, quotas, features, ...)
  license:install --file FILE                       install the licence in FILE (checked as PUT /api/v1/license does)
  export --tenant CODE [--out FILE]                 the tenant's whole configuration as a conduit.export document
                                                    (no secret in it) to FILE, or stdout; see docs/transfer.md
  import --tenant CODE --file FILE [--import-type overwrite|skip] [--dry-run] [--atomic]
                                                    import a conduit.export document into the tenant; prints the
                                                    report (exit 1 unless every item was imported)

  The vendor's licence tool (no database needed; see docs/licensing.md, "The vendor tool"):
  license:keygen --out FILE [--kid KID]             new Ed25519 key pair: private JWK to FILE (0600, never
                                                    overwritten), public JWK set to stdout
  license:sign --claims FILE --key FILE             sign the claims (JSON) with the private JWK: prints the licence
`;

function required(values: Record<string, string | undefined>, ...names: string[]): string[] {
  const missing = names.filter((n) => !values[n]);
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((n) => `--${n}`).join(', ')}`, true);
  return names.map((n) => values[n] as string);
}

/** Runs one command; its options are already parsed. */
export async function runCommand(
  command: string,
  values: Record<string, string | boolean | undefined>,
  config: ConduitConfig,
  urls: DatabaseUrls,
): Promise<void> {
  if (command === 'migrate') {
    // The core database, then every dedicated tenant's (src/cli-move.ts).
    if (values.status === true) {
      await runMigrateStatus(config, urls);
      return;
    }
    await runMigrateAll(config, urls);
    // Sources a dedicated database held before the directory existed (or restored without their entries) get theirs.
    await repairSourceDirectory(config);
    return;
  }
  if (command === 'sources:directory') {
    if (values.repair !== true) throw new UsageError('sources:directory takes --repair', true);
    if ((await repairSourceDirectory(config)).skipped.length > 0) process.exitCode = 1;
    return;
  }
  if (command === 'tenant:move') {
    try {
      await runTenantMove(values, config, urls);
    } catch (err) {
      throw failure(err);
    }
    return;
  }
  if (TRANSFER_COMMANDS.has(command)) {
    try {
      await runTransferCommand(command, values, config);
    } catch (err) {
      throw failure(err);
    }
    return;
  }
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['error'] });
  try {
    // Only the transfer commands take flags (booleans); every other option is a string.
    await inContext(app, command, values as Record<string, string | undefined>);
  } catch (err) {
    throw failure(err);
  } finally {
    await app.close();
  }
}

/** A refusal by the service's rules as one line: its code, its message and what it says of each field. */
function failure(err: unknown): unknown {
  if (!(err instanceof ConduitException)) return err;
  const details = err.details.map((d) => (d.field ? `${d.field}: ${d.message}` : d.message));
  return new CommandFailedError(`${err.code}: ${err.message}${details.length ? ` (${details.join('; ')})` : ''}`);
}

function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(
      `cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${what} ${path} is not JSON`);
  }
}

/** license:keygen and license:sign: the vendor's side, with no database and no configuration. */
export async function runOfflineCommand(
  command: string,
  flags: Record<string, string | boolean | undefined>,
): Promise<void> {
  const values = flags as Record<string, string | undefined>; // the vendor's commands take no boolean flag
  switch (command) {
    case 'license:keygen': {
      const [out] = required(values, 'out');
      const kid = values.kid ?? `license-${new Date().toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`;
      let pair: Awaited<ReturnType<typeof generateLicenseKeyPair>>;
      try {
        pair = await generateLicenseKeyPair(kid);
      } catch (err) {
        throw new UsageError(`--kid: ${(err as Error).message}`);
      }
      try {
        // wx: an existing key file is never overwritten (it may be the only copy of a key licences are signed with).
        writeFileSync(out, `${JSON.stringify(pair.privateJwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new UsageError(
          code === 'EEXIST' ? `${out} exists already: choose another --out` : `cannot write ${out}: ${code}`,
        );
      }
      process.stdout.write(`${JSON.stringify({ keys: [pair.publicJwk] })}\n`);
      return;
    }
    case 'license:sign': {
      const [claimsFile, keyFile] = required(values, 'claims', 'key');
      const claims = readJsonFile(claimsFile, 'claims file');
      const key = readJsonFile(keyFile, 'key file');
      try {
        process.stdout.write(`${await signLicense(claims, key, new Date())}\n`);
      } catch (err) {
        if (err instanceof RangeError) throw new UsageError(`--key: ${err.message}`);
        throw failure(err);
      }
      return;
    }
    default:
      throw new UsageError(`unknown command ${command}`, true);
  }
}

async function inContext(
  app: INestApplicationContext,
  command: string,
  values: Record<string, string | undefined>,
): Promise<void> {
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
    case 'license:status': {
      process.stdout.write(`${JSON.stringify(await app.get(LicenseService).status())}\n`);
      return;
    }
    case 'license:install': {
      const [file] = required(values, 'file');
      let token: string;
      try {
        token = readFileSync(file, 'utf8').trim();
      } catch (err) {
        throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      const installed = await app.get(LicenseService).installAs(token, { via: 'cli' });
      process.stdout.write(`${JSON.stringify(installed)}\n`);
      return;
    }
    case 'keys:rewrap': {
      const summary = await app.get(MasterKeyRotation).rewrap();
      process.stdout.write(`${JSON.stringify(summary)}\n`);
      if (summary.failures.length > 0) process.exitCode = 1;
      return;
    }
    default:
      throw new UsageError(`unknown command ${command}`, true);
  }
}
