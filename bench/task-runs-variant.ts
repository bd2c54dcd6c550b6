// bench/task-runs-variant: an EXPERIMENT, loaded into the worker by bench/task-runs.ts when BENCH_VARIANT=one-trip or
// one-trip-async-claim (node -r, after @swc-node/register), to measure a change to the executor's hot path without
// making it in libs/tasks: the claim and the record each sent as ONE simple-protocol message through TenantRoundTrip
// (set_config and the statement, PostgreSQL's implicit transaction: what chains' claims and records do), instead of a
// TenantContext transaction (BEGIN + set_config + the statement, then COMMIT: two round trips); and the tenant's
// lineage read while the claim runs instead of after it. Same SQL text, same conditions, same rows; only the round
// trips change (and, with one-trip-async-claim, the claim's commit does not wait for the WAL flush).
import { TenantRoundTrip } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { TenantHierarchy } from '@conduit/tenants';
import { TaskRunner } from '@conduit/tasks/engine';

/**
 * one-trip-async-claim: the same, and the claim commits without waiting for the WAL flush (a claim lost in a database
 * crash leaves the run queued: it is claimed and called again, as when a worker dies mid-call).
 */
const ASYNC_CLAIM = process.env.BENCH_VARIANT === 'one-trip-async-claim';
type Db = { em: { connection: ConstructorParameters<typeof TenantRoundTrip>[0] } };
let roundTrip: TenantRoundTrip | undefined;
const trip = (db: Db) => (roundTrip ??= new TenantRoundTrip(db.em.connection));

type Repo = Record<string, unknown> & {
  claim: (...a: unknown[]) => Promise<unknown>;
  record: (...a: unknown[]) => Promise<unknown>;
};
interface RecordResult {
  status: string;
  outputs: unknown;
  error: unknown;
  records_processed: number;
  response_status: number | null;
  attempts: unknown;
  dependencies: unknown;
  performance: unknown;
}

/** The task runs repository's claim and record, each as one round trip (same SQL text, taken from the class). */
function patchRepository(repo: Repo): void {
  const claimSql = /UPDATE task_runs[\s\S]*?AS lease_token/.exec(repo.claim.toString())?.[0];
  const recordSql = /UPDATE task_runs[\s\S]*?RETURNING id/.exec(repo.record.toString())?.[0];
  if (!claimSql || !recordSql) throw new Error('task-runs-variant: the repository’s SQL was not found');
  repo.claim = async function claim(this: { db: Db }, ...a: unknown[]) {
    const [tenantId, id, attempt, leaseSeconds] = a as [TenantId, string, number, number];
    const rows = await trip(this.db).query(tenantId, claimSql, [tenantId, id, attempt, leaseSeconds], {
      durable: !ASYNC_CLAIM,
    });
    return rows[0] ?? null;
  };
  repo.record = async function record(this: { db: Db }, ...a: unknown[]) {
    const [tenantId, id, token, result] = a as [TenantId, string, string, RecordResult];
    const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
    const rows = await trip(this.db).query(
      tenantId,
      recordSql,
      [
        tenantId,
        id,
        token,
        result.status,
        json(result.outputs),
        json(result.error),
        result.records_processed,
        result.response_status,
        JSON.stringify(result.attempts),
        JSON.stringify(result.dependencies),
        JSON.stringify(result.performance),
      ],
      { durable: true },
    );
    return rows.length > 0;
  };
}

if (process.env.BENCH_VARIANT === 'one-trip' || ASYNC_CLAIM) {
  let patched = false;
  // The lineage, asked for as the claim goes out; the run's own lineage() call (after the claim) takes it.
  const early = new Map<string, Promise<TenantId[]>>();
  const lineage = TenantHierarchy.prototype.lineage;
  TenantHierarchy.prototype.lineage = function (this: TenantHierarchy, tenantId: TenantId) {
    const pending = early.get(tenantId);
    if (pending) {
      early.delete(tenantId);
      return pending;
    }
    return lineage.call(this, tenantId);
  };
  const attempt = TaskRunner.prototype.attempt;
  TaskRunner.prototype.attempt = function (this: TaskRunner, job) {
    if (!patched) {
      // The repository class is not exported: its prototype is reached through the runner's instance.
      patchRepository(Object.getPrototypeOf((this as unknown as { runs: object }).runs) as Repo);
      patched = true;
    }
    const hierarchy = (this as unknown as { hierarchy: TenantHierarchy }).hierarchy;
    const pending = lineage.call(hierarchy, job.tenant_id);
    pending.catch(() => undefined);
    early.set(job.tenant_id, pending);
    return attempt.call(this, job);
  };
}
