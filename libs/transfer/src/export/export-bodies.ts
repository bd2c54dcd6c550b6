// How each resource is written into the export document (seed 002, "Application Export Process"): the body its REST
// create route accepts, rebuilt member by member from what the domain's service answers (a list of kept keys, never
// "everything but the secrets": a member a domain adds later stays out until it is named here), without ids,
// timestamps, counters or secrets, references to other resources by name. Pure.
import canonicalize from 'canonicalize';
import type { ChainStepResponse, ChainResponse, CompensationStepResponse, CredentialResponse } from '@conduit/chains';
import type { SourceResponse } from '@conduit/ingestion';
import type { FieldDefinition, InstanceResponse, IntegrationResponse } from '@conduit/integrations';
import { MONITOR_SETTINGS, type MonitorResponse } from '@conduit/monitors';
import { TASK_DEFINITION_KEYS, type TaskResponse } from '@conduit/tasks';
import type { SubscriptionResponse } from '@conduit/webhooks';
import type { ExportedResource } from '../format/transfer-document';

type Body = Record<string, unknown>;

/** The members of `from` named in `keys`, without undefined or null ones (a create body omits what it does not set). */
function pick(from: object, keys: readonly string[]): Body {
  const out: Body = {};
  for (const key of keys) {
    const value = (from as Body)[key];
    if (value !== undefined && value !== null) out[key] = value;
  }
  return out;
}

/** Field definitions with any default of a secret field removed (the catalogue refuses one; an old row may hold it). */
export function sanitiseFieldDefinitions(fields: readonly unknown[]): unknown[] {
  return fields.map((field) => {
    if (typeof field !== 'object' || field === null) return field;
    const { default: fallback, ...rest } = field as Body;
    return rest.type === 'secret' || fallback === undefined ? rest : { ...rest, default: fallback };
  });
}

const INTEGRATION_KEYS = [
  'title',
  'description',
  'version',
  'category',
  'status',
  'fields',
  'metadata',
  'shared',
  'generic_app',
] as const;

/** POST /api/v1/integrations. */
export function integrationBody(integration: IntegrationResponse): Body & { title: string } {
  const body = pick(integration, INTEGRATION_KEYS);
  body.fields = sanitiseFieldDefinitions(integration.fields);
  return { ...body, title: integration.title };
}

// A task definition holds no secret (they live in instances): its create body is the definition's keys.
const TASK_KEYS = TASK_DEFINITION_KEYS;

/**
 * POST /api/v1/integrations/{id}/tasks. Tasks already name each other by tag (depends_on, and
 * case_ingestion_config.dependent_tasks as tags or { task_tag }); no member of a definition holds a task id, so
 * nothing is remapped, only ids, numbers and timestamps left out.
 */
export function taskBody(task: TaskResponse): Body & { task_tag: string } {
  const body = pick(task, TASK_KEYS);
  body.input_fields = sanitiseFieldDefinitions(task.input_fields);
  return { ...body, task_tag: task.task_tag };
}

/** The auth members that are settings, not credentials (AuthSettings): the only ones an instance stub keeps. */
const AUTH_SETTINGS = ['header', 'query', 'token_url', 'scope'] as const;

const isSecretMarker = (value: unknown): value is { set: boolean } =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as Body).set === 'boolean';

/**
 * An instance as a stub: title, base URL, the values of the integration's non-secret fields, the auth type and its
 * settings, rate limit, health check and status; `secrets_required` names each secret it holds in this tenant
 * (`fields.<name>`, `auth.<credential>`), which an import asks for again. `ingestion` is its polling ingestion
 * settings (the PUT .../ingestion body, task by tag) or null. Never a secret value: a field is kept only when the
 * integration defines it as a non-secret type, and only the auth settings listed above are copied.
 */
export function instanceStub(
  instance: InstanceResponse,
  definitions: readonly FieldDefinition[],
  ingestion: Body | null,
): Body & { title: string } {
  const kinds = new Map(definitions.map((d) => [d.name, d.type]));
  const fields: Body = {};
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(instance.fields).sort(([a], [b]) => byCodePoint(a, b))) {
    const kind = kinds.get(name);
    if (kind === 'secret' || isSecretMarker(value)) {
      if (!isSecretMarker(value) || value.set) secrets.push(`fields.${name}`);
    } else if (kind !== undefined && value !== undefined && value !== null) fields[name] = value;
  }
  const auth: Body = { type: instance.auth.type, ...pick(instance.auth, AUTH_SETTINGS) };
  for (const [key, value] of Object.entries(instance.auth).sort(([a], [b]) => byCodePoint(a, b)))
    if (isSecretMarker(value) && value.set) secrets.push(`auth.${key}`);
  return {
    title: instance.title,
    base_url: instance.base_url,
    fields,
    auth,
    ...pick(instance, ['rate_limit', 'health_check', 'status']),
    ingestion,
    secrets_required: secrets,
  };
}

/** How a chain step names what it uses: the subscription by its name in the document, the instance by titles. */
export interface StepTargets {
  subscriptionName(id: string): string | undefined;
  instance(id: string): { integration: string; title: string } | undefined;
}

/** A step reference the export could not resolve (a deleted subscription or instance): reported, never dropped. */
export interface UnresolvedReference {
  chain: string;
  step: string;
  kind: 'subscription' | 'instance';
  id: string;
}

const STEP_KEYS = [
  'type',
  'name',
  'description',
  'step_order',
  'task_tag',
  'input',
  'request_params',
  'headers',
  'condition',
  'on_success_action',
  'on_failure_action',
  'max_retries',
  'retry_backoff_seconds',
  'delay_seconds',
] as const;

/**
 * POST /api/v1/chains with each step's ids replaced by names: `webhook_id` by `subscription` (the subscription's
 * `name` in this document), `instance_id` by `instance: { integration, title }`. Credentials stay where they are, as
 * `{{credentials.<name>}}` in templates: names, never values.
 */
export function chainBody(
  chain: ChainResponse,
  targets: StepTargets,
  unresolved: UnresolvedReference[],
): ExportedResource {
  const step = (s: ChainStepResponse | CompensationStepResponse): Body => {
    const body = pick(s, STEP_KEYS);
    if ('compensates' in s && s.compensates !== null) body.compensates = s.compensates;
    if (s.webhook_id !== null) {
      const name = targets.subscriptionName(s.webhook_id);
      if (name === undefined)
        unresolved.push({ chain: chain.name, step: s.name, kind: 'subscription', id: s.webhook_id });
      body.subscription = name ?? null;
    }
    if (s.instance_id !== null) {
      const instance = targets.instance(s.instance_id);
      if (instance === undefined)
        unresolved.push({ chain: chain.name, step: s.name, kind: 'instance', id: s.instance_id });
      body.instance = instance ?? null;
    }
    return body;
  };
  return {
    ...pick(chain, ['description', 'trigger_event', 'is_active']),
    name: chain.name,
    steps: chain.steps.map(step),
    compensation_steps: chain.compensation_steps.map(step),
  };
}

/** A chain credential as a stub (POST /api/v1/credentials without `value`): the import asks for the value. */
export function credentialStub(credential: CredentialResponse): ExportedResource {
  return {
    ...pick(credential, ['description', 'allowed_hosts']),
    name: credential.name,
    secrets_required: ['value'],
  };
}

const SUBSCRIPTION_KEYS = [
  'app_name',
  'description',
  'target_url',
  'event_types',
  'filter',
  'type',
  'payload_format',
  'retry_schedule',
  'rate_limit_per_second',
] as const;

/**
 * POST /api/v1/subscriptions without the signing secret (an imported subscription gets a new one) and without the
 * header values (stored encrypted: they may be credentials), whose names are listed in `secrets_required`.
 * `name` (set by the exporter, see subscriptionNames) is its identity in the document, not part of the body.
 */
export function subscriptionBody(subscription: SubscriptionResponse): Body {
  const body = pick(subscription, SUBSCRIPTION_KEYS);
  body.secrets_required = Object.keys(subscription.headers ?? {})
    .sort()
    .map((header) => `headers.${header}`);
  return body;
}

/**
 * Names for subscriptions, which have none of their own: the app_name, or `app_name (n)` where several share it
 * (numbered in the order of their bodies, so the same subscriptions get the same names on every export). In that
 * order, with the id each came from (chain steps name their subscription by it).
 */
export function nameSubscriptions(rows: { id: string; body: Body }[]): { id: string; resource: ExportedResource }[] {
  const ordered = [...rows].sort((a, b) => compareJson(a.body, b.body));
  const count = new Map<string, number>();
  for (const { body } of ordered) count.set(String(body.app_name), (count.get(String(body.app_name)) ?? 0) + 1);
  const seen = new Map<string, number>();
  return ordered.map(({ id, body }) => {
    const app = String(body.app_name);
    const n = (seen.get(app) ?? 0) + 1;
    seen.set(app, n);
    return { id, resource: { ...body, name: (count.get(app) ?? 0) > 1 ? `${app} (${n})` : app } };
  });
}

/**
 * POST /api/v1/sources without the verification secret (an imported source gets a new one): the routing
 * (event_type_path, filter), the allowed addresses, the case mapping and the body limit.
 */
export function sourceBody(source: SourceResponse): ExportedResource {
  return {
    ...pick(source, ['provider', 'allowed_cidrs', 'event_type_path', 'filter', 'case_mapping', 'max_body_bytes']),
    name: source.name,
  };
}

const MONITOR_KEYS = MONITOR_SETTINGS.filter((k) => k !== 'name');

/** POST /api/v1/monitors: the check's settings, not its state. */
export function monitorBody(monitor: MonitorResponse): ExportedResource {
  return { ...pick(monitor, MONITOR_KEYS), name: monitor.name };
}

/** Code-point order: the same on every machine (localeCompare depends on the locale). */
export const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A total order on bodies: by their name first where they have one, then by the whole content (canonical JSON). */
export function compareJson(a: Body, b: Body): number {
  const label = (x: Body) => String(x.name ?? x.title ?? x.task_tag ?? x.app_name ?? '');
  return byCodePoint(label(a), label(b)) || byCodePoint(canonicalize(a) ?? '', canonicalize(b) ?? '');
}
