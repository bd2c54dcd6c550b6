// Seeds bench/analytics.ts's data (and, a smaller share, test/e2e/analytics-rollups's) as the owner with
// generate_series: a busy tenant's deliveries (and their attempts) and chain runs (and their step runs) spread evenly
// over the retention period, plus a tenth as much in another tenant. Rows are written the way the engines leave them:
// finished deliveries keep no due time, failed ones used every attempt, runs that failed have their failing step run.

export interface SeedCounts {
  deliveries: number;
  runs: number;
  days: number;
  subscriptions: number;
  chains: number;
}

type Owner = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/**
 * A UUIDv7 of the moment `at` (an SQL expression), as Conduit's ids are: rows of one period sit together in indexes.
 */
const uuid7 = (at: string) =>
  `(lpad(to_hex(floor(extract(epoch FROM ${at}) * 1000)::bigint), 12, '0') || '7' || substr(md5(random()::text), 1, 3) || '8' || substr(md5(random()::text), 1, 15))::uuid`;

/** Writes one tenant's share: `deliveries` deliveries over `days` days ending now, and `runs` chain runs. */
export async function seedTenant(owner: Owner, tenantId: string, counts: SeedCounts): Promise<void> {
  const events = Math.ceil(counts.deliveries / counts.subscriptions);
  const span = `${counts.days} days`;
  await owner(
    `INSERT INTO webhook_subscriptions (id, tenant_id, app_name, target_url, event_types, secret_sealed, retry_schedule)
     SELECT gen_random_uuid(), $1, 'app-' || i, 'http://127.0.0.1:9/hook', '{order.placed}', 'unused', '{0,5,300}'
       FROM generate_series(1, $2) i`,
    [tenantId, counts.subscriptions],
  );
  await owner(
    `INSERT INTO webhook_events (id, tenant_id, event_name, source, payload, delivery_count, created_at)
     SELECT ${uuid7('t.at')}, $1, 'order.placed', 'bench', '{}', $3, t.at
       FROM generate_series(1, $2) i CROSS JOIN LATERAL (SELECT now() - $4::interval * (1 - i::float8 / $2) AS at) t`,
    [tenantId, events, counts.subscriptions, span],
  );
  // Deliveries of the last two minutes are still pending; 3% failed after three attempts; 10% needed two.
  await owner(
    `INSERT INTO webhook_deliveries (id, tenant_id, event_id, subscription_id, status, attempt_count, next_attempt_at,
                                     last_status_code, last_error_class, delivered_at, created_at, updated_at)
     SELECT ${uuid7('x.created_at')}, x.tenant_id, x.event_id, x.subscription_id, x.status,
            CASE x.status WHEN 'pending' THEN 0 WHEN 'failed' THEN 3 ELSE CASE WHEN x.r < 0.13 THEN 2 ELSE 1 END END,
            CASE WHEN x.status = 'pending' THEN x.created_at END,
            CASE x.status WHEN 'delivered' THEN 200 WHEN 'failed' THEN 503 END,
            CASE WHEN x.status = 'failed' THEN 'http_5xx' END,
            CASE WHEN x.status = 'delivered' THEN x.created_at + interval '1 second' END,
            x.created_at, x.created_at
       FROM (SELECT e.tenant_id, e.id AS event_id, s.id AS subscription_id, e.created_at, r.r,
                    CASE WHEN e.created_at > now() - interval '2 minutes' THEN 'pending'
                         WHEN r.r < 0.03 THEN 'failed' ELSE 'delivered' END AS status
               FROM webhook_events e
               JOIN webhook_subscriptions s ON s.tenant_id = e.tenant_id
               -- random() once per row: an uncorrelated subquery would be run once for all of them.
              CROSS JOIN LATERAL (SELECT random() + 0 * extract(epoch FROM e.created_at) AS r) r
              WHERE e.tenant_id = $1) x`,
    [tenantId],
  );
  await owner(
    `INSERT INTO webhook_delivery_attempts (id, tenant_id, delivery_id, attempt_number, status_code, duration_ms, error_class, created_at)
     SELECT ${uuid7("d.created_at + (n - 1) * interval '5 seconds'")}, d.tenant_id, d.id, n,
            CASE WHEN ok THEN 200 ELSE 503 END,
            (20 + random() * random() * 2000)::int,
            CASE WHEN ok THEN NULL ELSE (ARRAY['http_5xx', 'timeout', 'connection_refused'])[1 + (n % 3)] END,
            d.created_at + (n - 1) * interval '5 seconds'
       FROM webhook_deliveries d
      CROSS JOIN LATERAL generate_series(1, d.attempt_count) n
      CROSS JOIN LATERAL (SELECT d.status = 'delivered' AND n = d.attempt_count AS ok) o
      WHERE d.tenant_id = $1`,
    [tenantId],
  );
  await owner(
    `INSERT INTO execution_chains (id, tenant_id, name, trigger_event)
     SELECT gen_random_uuid(), $1, 'chain-' || i, 'order.placed' FROM generate_series(1, $2) i`,
    [tenantId, counts.chains],
  );
  await owner(
    `INSERT INTO execution_chain_steps (id, tenant_id, chain_id, steps_version, step_order, webhook_id, name)
     SELECT gen_random_uuid(), c.tenant_id, c.id, 1, k,
            (SELECT id FROM webhook_subscriptions WHERE tenant_id = c.tenant_id LIMIT 1), 'step ' || k
       FROM execution_chains c CROSS JOIN generate_series(1, 2) k
      WHERE c.tenant_id = $1`,
    [tenantId],
  );
  // Runs of the last two minutes are running; 5% failed at a step, 1% were cancelled.
  await owner(
    `INSERT INTO execution_chain_runs (id, tenant_id, chain_id, steps_version, status, trigger_type, trigger_event, trigger_data,
                                       current_step, total_steps, failed_step, started_at, completed_at, created_at, updated_at)
     SELECT ${uuid7('x.at')}, $1, c.id, 1, x.status, 'event', 'order.placed', '{}', 2, 2,
            CASE WHEN x.status = 'failed' THEN 1 + (i % 2) END,
            x.at, CASE WHEN x.status <> 'running' THEN x.at + (50 + random() * 3000) * interval '1 millisecond' END, x.at, x.at
       FROM generate_series(1, $2) i
       JOIN LATERAL (SELECT array_agg(id ORDER BY name) AS ids FROM execution_chains WHERE tenant_id = $1) cs ON true
       JOIN execution_chains c ON c.id = cs.ids[1 + i % array_length(cs.ids, 1)]
      CROSS JOIN LATERAL (SELECT now() - $3::interval * (1 - i::float8 / $2) AS at, random() AS r) t
      CROSS JOIN LATERAL (SELECT t.at, CASE WHEN t.at > now() - interval '2 minutes' THEN 'running'
                                            WHEN t.r < 0.05 THEN 'failed' WHEN t.r < 0.06 THEN 'cancelled'
                                            ELSE 'completed' END AS status) x`,
    [tenantId, counts.runs, span],
  );
  await owner(
    `INSERT INTO execution_chain_step_runs (id, tenant_id, run_id, step_id, step_order, name, status, attempt_count,
                                            duration_ms, started_at, completed_at, created_at, updated_at)
     SELECT ${uuid7('r.created_at')}, r.tenant_id, r.id, st.id, st.step_order, st.name,
            CASE WHEN r.status = 'completed' THEN 'sent'
                 WHEN r.status = 'failed' THEN CASE WHEN st.step_order < r.failed_step THEN 'sent'
                                                    WHEN st.step_order = r.failed_step THEN 'failed' ELSE 'skipped' END
                 WHEN r.status = 'cancelled' THEN 'cancelled'
                 ELSE CASE WHEN st.step_order = 1 THEN 'running' ELSE 'pending' END END,
            1, 40, r.started_at, r.completed_at, r.created_at, r.created_at
       FROM execution_chain_runs r
       JOIN execution_chain_steps st ON st.chain_id = r.chain_id AND st.kind = 'step'
      WHERE r.tenant_id = $1`,
    [tenantId],
  );
}
