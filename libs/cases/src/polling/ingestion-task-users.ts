// An instance with ingestion switched on uses its task (kind case_ingestion): deleting the task or its integration is
// refused (409) while it is on. Registered with the tasks' TaskUsers, like chains' task steps.
import { Injectable, OnModuleInit } from '@nestjs/common';
import { TenantContext } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { TaskUser, TaskUsers } from '@conduit/tasks';
import { InstanceIngestionRepository } from '../repositories/instance-ingestion.repository';

@Injectable()
export class IngestionTaskUsers implements OnModuleInit {
  constructor(
    private readonly users: TaskUsers,
    private readonly db: TenantContext,
    private readonly ingestion: InstanceIngestionRepository,
  ) {}

  onModuleInit(): void {
    this.users.register({
      usersOf: (tenantId, integrationUuid, tags) => this.usersOf(tenantId, integrationUuid, tags),
    });
  }

  async usersOf(tenantId: TenantId, integrationUuid: string, tags?: readonly string[]): Promise<TaskUser[]> {
    const rows = await this.db.runInTenant(tenantId, () => this.ingestion.enabledOf(tenantId, integrationUuid));
    return rows
      .filter((r) => !tags || tags.includes(r.task_tag))
      .map((r) => ({
        kind: 'case_ingestion',
        id: r.instance_uuid,
        name: `ingestion of instance ${r.instance_uuid}`,
        task_tag: r.task_tag,
      }));
  }
}
