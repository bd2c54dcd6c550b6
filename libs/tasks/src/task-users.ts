// What outside its integration uses a task: chains with task steps (issue 18) and case ingestion switched on for an
// instance (issue 19) register a source here, so deleting a task or its integration is refused while they use it,
// without this lib importing theirs (a SourceRegistry, like IntegrationDependents in integrations).
import { Injectable } from '@nestjs/common';
import { Dependent, SourceRegistry, TenantId } from '@conduit/platform';

export interface TaskUser extends Dependent {
  /** The task it uses. */
  task_tag: string;
}

export interface TaskUserSource {
  /** Users of the integration's tasks with these tags (all of its tasks when `tags` is undefined). */
  usersOf(tenantId: TenantId, integrationUuid: string, tags?: readonly string[]): Promise<TaskUser[]>;
}

@Injectable()
export class TaskUsers extends SourceRegistry<TaskUserSource> {
  of(tenantId: TenantId, integrationUuid: string, tags?: readonly string[]): Promise<TaskUser[]> {
    return this.collect((s) => s.usersOf(tenantId, integrationUuid, tags));
  }
}
