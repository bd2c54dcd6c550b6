// Other modules react to published events inside the publishing transaction (execution chains create their runs
// here), so an event and everything it starts commit together or not at all.
import { Injectable } from '@nestjs/common';
import type { TenantStatement } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import type { EventEntity } from './entities/event.entity';

export interface EventHook {
  /** Runs inside the tenant transaction of the publish, for each new event; a failing hook fails the publish. */
  published(event: EventEntity): Promise<void>;
  /**
   * Which of these event names published() might act on, asked by the API's group commit, which writes a batch in
   * one round trip that runs no hooks: a statement (run in the tenant) whose rows' `event_name` are those names. A
   * batch with any of them is published in a transaction that runs the hooks for the events of those names (a hook
   * without a probe: for every event); a name left out must be one published() would do nothing for.
   */
  probe?(tenantId: TenantId, eventNames: string[]): TenantStatement;
}

@Injectable()
export class EventHooks {
  private readonly hooks: EventHook[] = [];

  register(hook: EventHook): void {
    this.hooks.push(hook);
  }

  /** Runs inside the tenant transaction of the publish; a failing hook fails the publish. */
  async published(event: EventEntity): Promise<void> {
    for (const hook of this.hooks) await hook.published(event);
  }

  /** Every hook's probe for events with these names, or null when a hook has none (it may act on anything). */
  probes(tenantId: TenantId, eventNames: string[]): TenantStatement[] | null {
    const statements: TenantStatement[] = [];
    for (const hook of this.hooks) {
      if (!hook.probe) return null;
      statements.push(hook.probe(tenantId, eventNames));
    }
    return statements;
  }
}
