// What uses an instance from outside the integrations lib: chains whose task steps run on it register a source here
// (a SourceRegistry, like TaskUsers in tasks), so deleting the instance is refused while they use it, without this lib
// importing theirs. A deletion with force goes ahead and answers what it left without an instance.
import { Injectable } from '@nestjs/common';
import { SourceRegistry, TenantId } from '@conduit/platform';
import type { IntegrationDependent } from '../integration-dependents';

export interface InstanceUserSource {
  /** Users of the instance, read in the caller's tenant transaction (the deletion's). */
  usersOf(tenantId: TenantId, instanceUuid: string): Promise<IntegrationDependent[]>;
}

@Injectable()
export class InstanceUsers extends SourceRegistry<InstanceUserSource> {
  of(tenantId: TenantId, instanceUuid: string): Promise<IntegrationDependent[]> {
    return this.collect((s) => s.usersOf(tenantId, instanceUuid));
  }
}
