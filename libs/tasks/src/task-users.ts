// What outside its integration uses a task: chains with task steps (issue 18) and case ingestion switched on for an
// instance (issue 19) register a source here, so deleting a task or its integration is refused while they use it,
// without this lib importing theirs (like IntegrationDependents in integrations).
import { Injectable } from '@nestjs/common';
import type { TenantId } from '@conduit/platform';

export interface TaskUser {
  /** chain, case_ingestion, ... */
  kind: string;
  id: string;
  name: string;
  /** The task it uses. */
  task_tag: string;
}

export interface TaskUserSource {
  /** Users of the integration's tasks with these tags (all of its tasks when `tags` is undefined). */
  usersOf(tenantId: TenantId, integrationUuid: string, tags?: readonly string[]): Promise<TaskUser[]>;
}

@Injectable()
export class TaskUsers {
  private readonly sources: TaskUserSource[] = [];

  register(source: TaskUserSource): void {
    this.sources.push(source);
  }

  async of(tenantId: TenantId, integrationUuid: string, tags?: readonly string[]): Promise<TaskUser[]> {
    const found: TaskUser[] = [];
    for (const s of this.sources) found.push(...(await s.usersOf(tenantId, integrationUuid, tags)));
    return found;
  }
}
