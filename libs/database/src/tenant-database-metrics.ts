// Metrics per dedicated tenant database (docs/dedicated-tenants.md, "A database that is down"), read at scrape time
// from TenantDatabases: its pool's connections, its status, the process-wide connection cap; failures counted as they
// are noticed. Labelled by tenant id, never by anything of the database's URL.
import type { Pool } from 'pg';
import { Counter, Gauge } from 'prom-client';
import type { MetricsRegistry, TenantId } from '@conduit/platform';
import type { ConnectionBudget } from './connection-budget';
import type { ConnectionStatus } from './tenant-database-health';

const STATUSES: ConnectionStatus[] = ['connected', 'error', 'disconnected'];

export interface TenantDatabaseReadings {
  /** The pools of the dedicated databases opened in this process. */
  pools(): Iterable<readonly [TenantId, Pool]>;
  /** Each dedicated database's status in this process (undefined: not used yet). */
  statuses(): Iterable<readonly [TenantId, ConnectionStatus | undefined]>;
  budget: ConnectionBudget;
}

/** Registers the gauges; returns the errors counter, which TenantDatabases increments per failure noticed. */
export function registerTenantDatabaseMetrics(
  { registry }: MetricsRegistry,
  read: TenantDatabaseReadings,
): Counter<'tenant'> {
  new Gauge({
    name: 'conduit_tenant_db_pool_connections',
    help: "Connections of a dedicated tenant database's pool in this process, by state (busy, idle; waiting: callers waiting for one)",
    labelNames: ['tenant', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [tenant, pool] of read.pools()) {
        this.set({ tenant, state: 'busy' }, pool.totalCount - pool.idleCount);
        this.set({ tenant, state: 'idle' }, pool.idleCount);
        this.set({ tenant, state: 'waiting' }, pool.waitingCount);
      }
    },
  });
  new Gauge({
    name: 'conduit_tenant_db_status',
    help: "A dedicated tenant database's connection_status as this process sees it: 1 for its status, 0 for the others",
    labelNames: ['tenant', 'status'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [tenant, current] of read.statuses()) {
        if (current === undefined) continue;
        for (const status of STATUSES) this.set({ tenant, status }, current === status ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'conduit_tenant_db_connections',
    help: 'Connections of this process to all dedicated databases: open (or opening), max (DEDICATED_MAX_CONNECTIONS), waiting for a slot',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.set({ state: 'open' }, read.budget.used);
      this.set({ state: 'max' }, read.budget.max);
      this.set({ state: 'waiting' }, read.budget.waiting);
    },
  });
  return new Counter({
    name: 'conduit_tenant_db_errors_total',
    help: 'Failures to connect to, or connections lost with, a dedicated tenant database, in this process',
    labelNames: ['tenant'] as const,
    registers: [registry],
  });
}
