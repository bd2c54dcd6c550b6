// "What uses X", registered by the domains that build those users: a lib cannot import the domains that import it, so
// they register a source with its registry (in their onModuleInit) and a deletion asks every source, answering 409 with
// all the users in `details`. Each lib keeps its typed registry over this one (IntegrationDependents, TaskUsers,
// InstanceUsers): its source interface, its arguments, its kind of user.
import type { ErrorDetail } from '../errors';

/** One user of the thing being deleted, as the registries answer them. */
export interface Dependent {
  /** task, chain, case_ingestion, instance, ... */
  kind: string;
  id: string;
  name: string;
}

export class SourceRegistry<Source> {
  private readonly sources: Source[] = [];

  register(source: Source): void {
    this.sources.push(source);
  }

  /**
   * Every source's answer, in the order they registered. One source after the other, never at once: sources read in
   * the caller's transaction, which is one connection.
   */
  protected async collect<T>(ask: (source: Source) => Promise<T[]>): Promise<T[]> {
    const found: T[] = [];
    for (const source of this.sources) found.push(...(await ask(source)));
    return found;
  }

  /** The 409's details: one entry a user, `{ message: "<kind> <name>", kind, id, name, ... }`. */
  details(dependents: readonly Dependent[]): ErrorDetail[] {
    return dependents.map((d) => ({ message: `${d.kind} ${d.name}`, ...d }));
  }

  /** Runs `run` on every source, one after the other (in the caller's transaction, like collect). */
  protected async each(run: (source: Source) => Promise<void> | undefined): Promise<void> {
    for (const source of this.sources) await run(source);
  }
}
