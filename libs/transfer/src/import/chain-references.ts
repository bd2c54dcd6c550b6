// A chain's steps name what they run by name in a document, not by id: a webhook step the subscription it posts to
// (`subscription`: its app_name, instead of webhook_id), a task step the instance it runs on (`integration` and
// `instance`: their titles, instead of instance_id; `task_tag` is a tag already). These are resolved to the importing
// tenant's ids here, after name_map; a name that resolves to nothing, or to more than one, is a problem of the chain.
// Credentials are named in the steps' templates and stay names.
import { Injectable } from '@nestjs/common';
import { InstancesService, IntegrationsService } from '@conduit/integrations';
import { Page } from '@conduit/platform';
import { SubscriptionsService } from '@conduit/webhooks';
import type { ImportProblem } from '../format/transfer-document';

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

@Injectable()
export class ChainReferences {
  constructor(
    private readonly integrations: IntegrationsService,
    private readonly instances: InstancesService,
    private readonly subscriptions: SubscriptionsService,
  ) {}

  /** Replaces the names in the body's steps and compensation steps by ids; answers what did not resolve. */
  async resolve(body: Record<string, unknown>, at: string, nameMap: Record<string, string>): Promise<ImportProblem[]> {
    const problems: ImportProblem[] = [];
    const unresolved = (field: string, message: string, code = 'unresolved_reference') =>
      problems.push({ code, field, message });
    for (const list of ['steps', 'compensation_steps'] as const) {
      const steps = body[list];
      if (!Array.isArray(steps)) continue;
      for (const [i, step] of steps.entries()) {
        if (!isObject(step)) continue;
        const path = `${at}.${list}[${i}]`;
        if ('subscription' in step) {
          const name = step.subscription;
          delete step.subscription;
          const target = typeof name === 'string' ? (nameMap[name] ?? name) : '';
          const all = await everything((cursor) => this.subscriptions.list({ limit: 200, cursor }));
          const found = all.filter((s) => s.app_name.toLowerCase() === target.toLowerCase());
          if (found.length === 1) step.webhook_id = found[0].id;
          else if (found.length === 0) unresolved(`${path}.subscription`, `no subscription named "${target}"`);
          else
            unresolved(
              `${path}.subscription`,
              `${found.length} subscriptions are named "${target}": the step cannot tell which`,
              'ambiguous_reference',
            );
        }
        if ('integration' in step || 'instance' in step) {
          const { integration, instance } = step;
          delete step.integration;
          delete step.instance;
          const title = typeof integration === 'string' ? (nameMap[integration] ?? integration) : '';
          const owner = title ? await this.integrations.findOwnByTitle(title) : null;
          const found =
            owner && typeof instance === 'string' ? await this.instances.findByTitle(owner.id, instance) : null;
          if (!owner) unresolved(`${path}.integration`, `no integration titled "${title}"`);
          else if (!found) unresolved(`${path}.instance`, `"${title}" has no instance titled "${String(instance)}"`);
          else step.instance_id = found.id;
        }
      }
    }
    return problems;
  }
}
