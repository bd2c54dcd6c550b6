// A shared integration's use below its owner: the descendant tenants' instances of it, and what uses those (chains'
// task steps, case ingestion: the IntegrationDependents sources, asked in each descendant). The owner's row-level
// security never shows another tenant's rows, so each descendant is read and changed in a scope of its own
// (runInTenant): in the owner's transaction when it shares the owner's database, in a transaction of its own in its
// dedicated database otherwise. Only tenants of the owner's subtree are asked, so nothing of another tenant is ever
// reported to the owner's admin.
import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { AuditLog } from '@conduit/audit';
import { TenantContext } from '@conduit/database';
import { Clock, TenantId } from '@conduit/platform';
import { TenantHierarchy } from '@conduit/tenants';
import { EventsService, OPERATIONAL_SOURCE } from '@conduit/webhooks';
import { IntegrationDependent, IntegrationDependents, IntegrationRef } from '../integration-dependents';
import { InstancesRepository } from '../repositories/instances.repository';

/** Why the descendants lose the integration: published as the event's `reason`. */
export type LossReason = 'integration_deleted' | 'integration_unshared';

/** A descendant's use of the integration, as listed to the owner (no secrets, no instance settings). */
export interface DescendantDependent extends IntegrationDependent {
  tenant_id: TenantId;
  /** kind `instances`: how many of the tenant's instances run on it. */
  instances?: number;
}

@Injectable()
export class DescendantInstances {
  constructor(
    private readonly db: TenantContext,
    private readonly hierarchy: TenantHierarchy,
    private readonly instances: InstancesRepository,
    private readonly dependents: IntegrationDependents,
    private readonly audit: AuditLog,
    private readonly events: EventsService,
    private readonly access: AccessService,
    private readonly clock: Clock,
  ) {}

  /**
   * Per descendant with running (not inactive) instances of the owner's integration: one `instances` entry (the
   * tenant, how many) and the chains and case ingestion using the integration there. Instances already inactive stop
   * nothing more, so they do not count.
   */
  async of(integration: IntegrationRef): Promise<DescendantDependent[]> {
    const found: DescendantDependent[] = [];
    for (const tenantId of await this.below(integration.tenantId)) {
      const used = await this.db.runInTenant(tenantId, async () => {
        const running = await this.instances.runningOf(tenantId, integration.id);
        if (running.length === 0) return null;
        return { count: running.length, users: await this.dependents.of({ ...integration, tenantId }) };
      });
      if (!used) continue;
      const tenant = await this.hierarchy.find(tenantId);
      found.push({
        kind: 'instances',
        id: tenantId,
        name: tenant ? `${tenant.name} (${tenant.code})` : tenantId,
        tenant_id: tenantId,
        instances: used.count,
      });
      for (const u of used.users) found.push({ kind: u.kind, id: u.id, name: u.name, tenant_id: tenantId });
    }
    return found;
  }

  /**
   * The running instances of the integration stop in the descendants `of` found using it (status inactive: no health
   * check, no ingestion, task steps on them fail with instance_not_runnable). Each is audited in its tenant as
   * `instance.deactivate` with the acting principal (the owner's admin) and announced there as `instance.deactivated`,
   * in the same scope as the change: the owner's transaction, or the dedicated database's own one, committed before
   * the owner's. A retry after the owner's transaction failed finds those already inactive and changes, audits and
   * publishes nothing twice.
   */
  async deactivate(integration: IntegrationRef, found: DescendantDependent[], reason: LossReason): Promise<void> {
    // The tenants `of` found running instances: the subtree is not walked again.
    for (const { tenant_id: tenantId } of found.filter((d) => d.kind === 'instances'))
      await this.db.runInTenant(tenantId, () => this.stopIn(tenantId, integration, reason));
  }

  /**
   * The tenant's running instances of the integration stop, each audited and announced in the tenant: the owner's own
   * when it deletes the integration, a descendant's when it loses it.
   */
  async stopIn(tenantId: TenantId, integration: IntegrationRef, reason: LossReason): Promise<void> {
    const { principal } = this.access.identity();
    const stopped = await this.instances.deactivateRunningOf(tenantId, integration.id, this.clock.now());
    for (const row of stopped) {
      await this.audit.record({
        tenantId,
        action: 'instance.deactivate',
        outcome: 'success',
        actor: { type: principal.kind, id: principal.id, label: principal.label },
        target: { type: 'Instance', id: row.id },
        changes: { status: { from: row.was, to: 'inactive' }, reason },
        metadata: {
          home_tenant_id: principal.homeTenantId,
          integration_uuid: integration.id,
          integration_owner: integration.tenantId,
        },
      });
      await this.events.publishInTenant(tenantId, {
        event_name: 'instance.deactivated',
        source: OPERATIONAL_SOURCE,
        payload: {
          instance_id: row.instance_id,
          instance_uuid: row.id,
          title: row.title,
          integration_uuid: integration.id,
          previous_status: row.was,
          status: 'inactive',
          reason,
        },
      });
    }
  }

  /** The live tenants below the owner (its subtree without itself). */
  private async below(ownerId: TenantId): Promise<TenantId[]> {
    return (await this.hierarchy.subtree(ownerId)).filter((id) => id !== ownerId);
  }
}
