// A chain's steps name what they run by name in a document, not by id (see the export's chainBody): a webhook step the
// subscription it posts to (`subscription`: the subscription's `name` in the document, instead of webhook_id), a task
// step the instance it runs on (`instance: { integration, title }`: their titles, instead of instance_id; `task_tag`
// is a tag already). These are resolved to the importing tenant's ids here, after name_map; a name that resolves to
// nothing (or null: the exporting tenant had lost it) is a problem of the chain. Credentials are named in the steps'
// templates and stay names.
import { Injectable } from '@nestjs/common';
import { InstancesService, IntegrationResponse, IntegrationsService } from '@conduit/integrations';
import { Page } from '@conduit/platform';
import { SubscriptionsService } from '@conduit/webhooks';
import type { ImportProblem } from '../format/transfer-document';
import { nameSubscriptions, subscriptionBody } from '../export/export-bodies';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every item of a paged list, page after page. */
export async function everything<T>(list: (cursor?: string) => Promise<Page<T>>): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await list(cursor);
    all.push(...page.data);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return all;
}

/** The subscriptions this import wrote, by their `name` in the document: a chain step names one of them first. */
export type ImportedSubscriptions = Map<string, string>;

@Injectable()
export class ChainReferences {
  constructor(
    private readonly integrations: IntegrationsService,
    private readonly instances: InstancesService,
    private readonly subscriptions: SubscriptionsService,
  ) {}

  /**
   * Replaces the names in the body's steps and compensation steps by ids; answers what did not resolve. A step's
   * subscription is the one the document gave that name and this import wrote; else the tenant's subscription the
   * export would give that name (after name_map): its app_name, or `app_name (n)` among several.
   */
  async resolve(
    body: Record<string, unknown>,
    at: string,
    nameMap: Record<string, string>,
    imported: ImportedSubscriptions,
  ): Promise<ImportProblem[]> {
    const problems: ImportProblem[] = [];
    const unresolved = (field: string, message: string) =>
      problems.push({ code: 'unresolved_reference', field, message });
    let tenantNames: Map<string, string> | undefined;
    const tenantSubscription = async (name: string) => {
      if (!tenantNames) {
        const rows = await everything((cursor) => this.subscriptions.list({ limit: 200, cursor }));
        const named = nameSubscriptions(rows.map((row) => ({ id: row.id, body: subscriptionBody(row) })));
        tenantNames = new Map(named.map((n) => [n.resource.name, n.id]));
      }
      return tenantNames.get(name);
    };
    for (const list of ['steps', 'compensation_steps'] as const) {
      const steps = body[list];
      if (!Array.isArray(steps)) continue;
      for (const [i, step] of steps.entries()) {
        if (!isObject(step)) continue;
        const path = `${at}.${list}[${i}]`;
        if ('subscription' in step) {
          const name = step.subscription;
          delete step.subscription;
          if (typeof name !== 'string' || name === '')
            unresolved(`${path}.subscription`, 'the step names no subscription (the export could not resolve it)');
          else {
            const id = imported.get(name) ?? (await tenantSubscription(nameMap[name] ?? name));
            if (id) step.webhook_id = id;
            else unresolved(`${path}.subscription`, `no subscription named "${nameMap[name] ?? name}"`);
          }
        }
        if ('instance' in step) {
          const { instance } = step;
          delete step.instance;
          const integration = isObject(instance) ? instance.integration : undefined;
          const title = isObject(instance) ? instance.title : undefined;
          if (typeof integration !== 'string' || typeof title !== 'string') {
            unresolved(
              `${path}.instance`,
              'the step names no instance ({ integration, title }; the export could not resolve it)',
            );
            continue;
          }
          const target = nameMap[integration] ?? integration;
          const owner = await this.integrationTitled(target);
          const found = owner ? await this.instances.findByTitle(owner.id, title) : null;
          if (!owner) unresolved(`${path}.instance.integration`, `no integration titled "${target}"`);
          else if (!found) unresolved(`${path}.instance.title`, `"${target}" has no instance titled "${title}"`);
          else step.instance_id = found.id;
        }
      }
    }
    return problems;
  }

  /**
   * The tenant's own integration of that title, else one of the shared catalogue it reads (an instance of a tenant
   * may belong to an integration shared from above, which the export names by title but does not carry).
   */
  private async integrationTitled(title: string): Promise<{ id: string } | null> {
    const own = await this.integrations.findOwnByTitle(title);
    if (own) return own;
    return sharedIntegrationTitled(this.integrations, title);
  }
}

/** The integration of that title (case-insensitively) shared with the acting tenant from the tenants above, or null. */
export async function sharedIntegrationTitled(
  integrations: IntegrationsService,
  title: string,
): Promise<IntegrationResponse | null> {
  const catalogue = await everything((cursor) => integrations.list({ limit: 200, cursor }));
  return catalogue.find((i) => i.shared_from !== null && i.title.toLowerCase() === title.toLowerCase()) ?? null;
}
