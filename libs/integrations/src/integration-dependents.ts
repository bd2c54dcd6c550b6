// What depends on an integration (its tasks, the chains and case ingestion using them, its instances): the domains
// that build those register a source here (a SourceRegistry, @conduit/platform), so this lib needs no import of theirs.
// Instances register one (they never block a deletion; they stop); tasks register theirs in libs/tasks.
import { Injectable } from '@nestjs/common';
import { Dependent, SourceRegistry, TenantId } from '@conduit/platform';

export type IntegrationDependent = Dependent;

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
export class IntegrationDependents extends SourceRegistry<DependentsSource> {
  of(integration: IntegrationRef): Promise<IntegrationDependent[]> {
    return this.collect((s) => s.dependentsOf(integration));
  }

  beforeDelete(integration: IntegrationRef): Promise<void> {
    return this.each((s) => s.beforeDelete?.(integration));
  }
}
