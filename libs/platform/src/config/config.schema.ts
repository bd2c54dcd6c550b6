// The one place that reads the environment: every setting is validated here, once, at start.
import { z } from 'zod';
import { CodedError } from '../errors/coded-error';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
const postgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// or postgresql:// URL');
const redisUrl = z.string().refine((v) => /^rediss?:\/\//.test(v), 'must be a redis:// or rediss:// URL');
const port = z.coerce.number().int().min(0).max(65535);
const secondsList = z
  .string()
  .transform((v) => v.split(',').map((s) => Number(s.trim())))
  .refine(
    (list) =>
      list.length > 0 && list.length <= 20 && list.every((n) => Number.isInteger(n) && n >= 0 && n <= 7 * 86400),
    {
      message: 'must be 1-20 comma-separated whole seconds (0..604800)',
    },
  );
// Where users reach the API (a TLS proxy's https:// address in production); no trailing slash, no query or fragment.
const publicUrl = z
  .string()
  .regex(/^https?:\/\/[^\s/?#@]+(\/[^\s?#]*)?$/i, 'must be an http:// or https:// URL without query or fragment')
  .transform((v) => v.replace(/\/+$/, ''));
const identifier = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier');

/** An Ed25519 public key as a JWK (RFC 8037), with the kid a licence's header names. */
const licensePublicJwk = z.object({
  kty: z.literal('OKP', { error: 'must be "OKP"' }),
  crv: z.literal('Ed25519', { error: 'must be "Ed25519"' }),
  x: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'must be the 32-byte public key in base64url'),
  kid: z.string().min(1, 'must not be empty').max(128),
  alg: z.literal('EdDSA', { error: 'must be "EdDSA" when given' }).optional(),
  use: z.literal('sig', { error: 'must be "sig" when given' }).optional(),
  d: z.never({ error: 'is a private key: give public keys only, never "d"' }).optional(),
});
export type LicensePublicJwk = Omit<z.infer<typeof licensePublicJwk>, 'd'>;
const licensePublicKeySet = z
  .object(
    { keys: z.array(licensePublicJwk, { error: 'must be a list of JWKs' }).min(1, 'must hold at least one key') },
    { error: 'must be a JWK set: {"keys": [...]}' },
  )
  .refine((set) => new Set(set.keys.map((k) => k.kid)).size === set.keys.length, 'every key needs its own kid');
/** CONDUIT_LICENSE_PUBLIC_KEYS: a JWK set as JSON, validated whole at start (a bad set never half-applies). */
const licensePublicKeys = z.string().transform((raw, ctx): LicensePublicJwk[] => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    ctx.addIssue({
      code: 'custom',
      message: 'must be a JWK set as JSON: {"keys":[{"kty":"OKP","crv":"Ed25519","x":"...","kid":"..."}]}',
    });
    return z.NEVER;
  }
  const result = licensePublicKeySet.safeParse(parsed);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const at = issue.path.length ? `${issue.path.join('.')}: ` : '';
      ctx.addIssue({ code: 'custom', message: `${at}${issue.message}` });
    }
    return z.NEVER;
  }
  return result.data.keys.map(({ kty, crv, x, kid, alg, use }) => ({ kty, crv, x, kid, alg, use }));
});

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: port.default(3000),
  // An https:// address turns on HSTS and upgrade-insecure-requests; Swagger's `servers` names it (else relative).
  PUBLIC_URL: publicUrl.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: postgresUrl,
  DATABASE_MIGRATION_URL: postgresUrl.optional(),
  DATABASE_RUNTIME_ROLE: identifier.default('conduit_app'),
  DATABASE_RUNTIME_PASSWORD: z.string().min(12).optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5000),
  // statement_timeout of each process's connections (0: none); analytics raise theirs per transaction.
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(5000),
  ANALYTICS_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(15000),
  WORKER_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(60000),
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(0).default(60000),
  // Dedicated-database tenants (docs/dedicated-tenants.md): the hosts a tenant's own database may be on (empty: no
  // tenant may be made dedicated, so the setting never reaches an arbitrary host), each dedicated pool's size and idle.
  DEDICATED_DATABASE_HOSTS: csv.transform((list) => list.map((h) => h.toLowerCase())).default([]),
  DEDICATED_POOL_SIZE: z.coerce.number().int().min(1).max(50).default(5),
  DEDICATED_POOL_IDLE_MS: z.coerce.number().int().min(1000).default(30_000),
  // The most connections one process holds to all dedicated databases together: a new one waits for a slot, closing
  // the least recently used pool's idle connections first, so the bound does not grow with the number of tenants.
  DEDICATED_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(50),
  MIGRATE_ON_START: bool.default(true),
  REDIS_URL: redisUrl.default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]+$/)
    .default('conduit'),
  CONDUIT_MASTER_KEY: z.string().min(1, 'is required (base64 of 32 random bytes, or kid:base64,...)'),
  JWT_SECRET: z.string().min(32).optional(),
  JWT_ISSUER: z.string().default('conduit'),
  JWT_AUDIENCE: z.string().default('conduit-api'),
  JWT_ACCESS_TTL_SECONDS: z.coerce.number().int().min(30).max(86400).default(900),
  JWT_REFRESH_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(300)
    .default(30 * 86400),
  JWT_JWKS_URL: z.string().url().optional(),
  JWT_JWKS_ISSUER: z.string().optional(),
  JWT_JWKS_AUDIENCE: z.string().optional(),
  JWT_JWKS_TENANT_CLAIM: z.string().default('tid'),
  JWT_JWKS_EMAIL_CLAIM: z.string().default('email'),
  // SAML sign-in (libs/sso): the clock difference allowed with identity providers, and the origins besides PUBLIC_URL's
  // a sign-in may return to (return_to), e.g. a web app on another host.
  SAML_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(600).default(60),
  SSO_ALLOWED_RETURN_ORIGINS: csv
    .refine((list) => list.every((o) => /^https?:\/\/[^\s/?#@]+$/i.test(o)), 'must be comma-separated http(s) origins')
    .transform((list) => list.map((o) => new URL(o).origin))
    .default([]),
  CONDUIT_ADMIN_EMAIL: z.string().email().optional(),
  CONDUIT_ADMIN_PASSWORD: z.string().min(12).optional(),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  // Failed sign-in limiting on POST /api/v1/auth/login (docs/sessions.md): failures counted per account, per
  // (account, client address) and per address alone, in fixed windows of LOGIN_FAILURE_WINDOW_SECONDS; at a limit,
  // 429 login_locked.
  LOGIN_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86400).default(900),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
  LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS: z.coerce.number().int().min(1).default(5),
  LOGIN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).default(100),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  CORS_ORIGINS: csv.default([]),
  TRUST_PROXY: bool.default(false),
  METRICS_TOKEN: z.string().min(16).optional(),
  WORKER_HEALTH_PORT: port.default(3001),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(5),
  HEARTBEAT_INTERVAL_MS: z.coerce.number().int().min(1000).default(30000),
  // Webhooks out
  WEBHOOK_RETRY_SCHEDULE: secondsList.default([0, 5, 300, 1800, 7200, 18000, 36000, 36000]),
  WEBHOOK_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).default(15000),
  WEBHOOK_RESPONSE_BODY_LIMIT: z.coerce
    .number()
    .int()
    .min(0)
    .max(1024 * 1024)
    .default(4096),
  WEBHOOK_SECRET_GRACE_SECONDS: z.coerce.number().int().min(0).default(86400),
  WEBHOOK_CIRCUIT_FAILURE_THRESHOLD: z.coerce.number().int().min(1).default(5),
  WEBHOOK_CIRCUIT_COOLDOWN_SECONDS: z.coerce.number().int().min(1).default(60),
  WEBHOOK_DISABLE_AFTER_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(5 * 86400),
  WEBHOOK_LEASE_SECONDS: z.coerce.number().int().min(5).default(60),
  WEBHOOK_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(200).default(10000),
  WEBHOOK_DELIVERY_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(200),
  // Execution chains: their own worker settings (steps are not deliveries: longer responses, other load)
  CHAIN_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
  CHAIN_TIMEOUT_MS: z.coerce.number().int().min(100).default(15000),
  CHAIN_RESPONSE_BODY_LIMIT: z.coerce
    .number()
    .int()
    .min(1024)
    .max(8 * 1024 * 1024)
    .default(256 * 1024),
  CHAIN_LEASE_SECONDS: z.coerce.number().int().min(5).default(60),
  CHAIN_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(200).default(10000),
  CHAIN_STEP_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(200),
  // Task runs (libs/tasks): the executor's outbound client, claims and queue. A task's own timeout_ms bounds each of
  // its attempts below TASK_TIMEOUT_MS.
  TASK_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
  TASK_TIMEOUT_MS: z.coerce.number().int().min(100).default(120_000),
  TASK_RESPONSE_BODY_LIMIT: z.coerce
    .number()
    .int()
    .min(1024)
    .max(16 * 1024 * 1024)
    .default(1024 * 1024),
  /** A claim's lease; the worker renews it every second while the run goes on, so it only matters when one dies. */
  TASK_LEASE_SECONDS: z.coerce.number().int().min(2).default(30),
  TASK_RECONCILE_INTERVAL_MS: z.coerce.number().int().min(200).default(10000),
  /** A queued run older than this without a worker on it is queued again by the reconciler. */
  TASK_RECONCILE_GRACE_SECONDS: z.coerce.number().int().min(1).default(30),
  TASK_RUN_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(50),
  /** How often each worker looks for due instance health checks (each interval is checked once, by one worker). */
  INSTANCE_HEALTH_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(5000),
  /** How often each worker looks for due case ingestion runs (each run is leased by one worker). */
  CASE_INGESTION_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(5000),
  /** The lease of an ingestion run; renewed every third of it while the run goes on. */
  CASE_INGESTION_LEASE_SECONDS: z.coerce.number().int().min(2).default(60),
  RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  RETENTION_SWEEP_INTERVAL_MS: z.coerce.number().int().min(1000).default(3600_000),
  /** How often the worker rolls up analytics (libs/database/src/rollups): the hours that ended, those still moving. */
  ANALYTICS_ROLLUP_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
  /** How often the worker counts monthly usage for the licence (libs/licensing/src/usage): keep it well under a day. */
  LICENSE_USAGE_INTERVAL_MS: z.coerce.number().int().min(200).max(3600_000).default(60_000),
  // HTTP monitors (libs/monitors, docs/monitors.md): the smallest interval a monitor may have (10 s; tests lower it),
  // how often each worker looks for due monitors, how many checks one worker runs at once, and how much of a response
  // body a check reads for body_contains.
  MONITOR_MIN_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(86400).default(10),
  MONITOR_TICK_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  MONITOR_CHECK_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(50),
  MONITOR_RESPONSE_BODY_LIMIT: z.coerce
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024)
    .default(64 * 1024),
  INGEST_DEFAULT_TENANT: z.string().optional(),
  INGEST_PUBLIC_BASE_URL: z.string().url().optional(),
  INGEST_SOURCE_CACHE_SECONDS: z.coerce.number().int().min(0).default(30),
  OUTBOUND_ALLOW_LOOPBACK: bool.default(false),
  OUTBOUND_ALLOW_PRIVATE_NETWORKS: bool.default(false),
  // Licensing: the keys licences may be signed with (unset: the built-in vendor key, see docs/licensing.md), how often
  // each process reads the licence in force from the control plane, how often the worker checks expiry notifications.
  CONDUIT_LICENSE_PUBLIC_KEYS: licensePublicKeys.optional(),
  LICENSE_REFRESH_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
  LICENSE_NOTIFY_INTERVAL_MS: z.coerce.number().int().min(1000).default(60_000),
});

export type ConduitEnv = z.infer<typeof configSchema>;

export class ConfigError extends CodedError<'invalid_config'> {
  readonly code = 'invalid_config';

  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parses settings from an environment-like record; throws ConfigError naming every bad or missing variable. */
export function parseConfig(env: Record<string, string | undefined>): ConduitEnv {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = configSchema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((i) => {
        const name = i.path.join('.');
        return i.code === 'invalid_type' && cleaned[name] === undefined
          ? `${name} is required`
          : `${name}: ${i.message}`;
      }),
    );
  }
  return result.data;
}

/** Settings of the one-process development mode (src/dev.ts, src/cli.ts) only. */
export const devSchema = z.object({
  CONDUIT_DATA_DIR: z.string().default('.data'),
  EMBEDDED_POSTGRES_PORT: port.default(54329),
});
export type DevEnv = z.infer<typeof devSchema>;

export function parseDevConfig(env: Record<string, string | undefined>): DevEnv {
  const result = devSchema.safeParse(
    Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')),
  );
  if (!result.success) throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  return result.data;
}
