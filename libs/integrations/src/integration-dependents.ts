// What depends on an integration (its tasks, the chains and case ingestion using them, its instances): the domains
// that build those register a source here, like CreationChecks in tenants, so this lib needs no import of theirs.
// Instances register one (they never block a deletion; they stop); tasks register theirs in libs/tasks.
import { Injectable } from '@nestjs/common';
import type { TenantId } from '@conduit/platform';

export interface IntegrationDependent {
  /** task, chain, case_ingestion, instance, ... */
  kind: string;
  id: string;
  name: string;
}

export interface IntegrationRef {
  tenantId: TenantId;
  id: string;
  integrationId: number;
}

export interface DependentsSource {
  /** What still uses the integration (blocks a deletion without force). */
  dependentsOf(integration: IntegrationRef): Promise<IntegrationDependent[]>;
  /** The integration is being deleted, in the deleting transaction: mark tasks and instances inactive. */
  beforeDelete?(integration: IntegrationRef): Promise<void>;
}

@Injectable()
export class IntegrationDependents {
  private readonly sources: DependentsSource[] = [];

  register(source: DependentsSource): void {
    this.sources.push(source);
  }

  async of(integration: IntegrationRef): Promise<IntegrationDependent[]> {
    const found: IntegrationDependent[] = [];
    for (const s of this.sources) found.push(...(await s.dependentsOf(integration)));
    return found;
  }

  async beforeDelete(integration: IntegrationRef): Promise<void> {
    for (const s of this.sources) await s.beforeDelete?.(integration);
  }
}
