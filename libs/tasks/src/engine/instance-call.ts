// An instance's task call, built in one place for every caller of executeTaskCall (task runs, health checks' path
// checks, case ingestion and its enrichment): the same instance makes the same call whoever calls.
import type { InstanceEntity, InstanceSecrets } from '@conduit/integrations';
import type { TaskCall } from '../runs';

/** An instance as openForRun gives it: the row and its opened secrets. */
export interface OpenedInstance {
  instance: Pick<InstanceEntity, 'id' | 'base_url' | 'fields' | 'auth_type' | 'auth_settings'>;
  secrets: InstanceSecrets;
}

/** What the caller's call is about: the instance gives the rest. */
export type InstanceCallParts = Pick<TaskCall, 'runId' | 'task' | 'input' | 'deps'>;

/**
 * The call of `parts` on the instance: its base URL, its field values with the secret ones opened (and named, to be
 * masked), and its auth with the credentials it holds. The credentials are also what templates read;
 * `{{credentials.api_key}}` reads the stored `key` through the renderer's alias, so no caller adds it.
 */
export function instanceTaskCall({ instance, secrets }: OpenedInstance, parts: InstanceCallParts): TaskCall {
  return {
    ...parts,
    instanceId: instance.id,
    baseUrl: instance.base_url,
    fields: { ...instance.fields, ...secrets.fields },
    secretFieldNames: Object.keys(secrets.fields),
    auth: {
      type: instance.auth_type,
      settings: instance.auth_settings,
      credentials: Object.fromEntries(
        Object.entries(secrets.credentials).filter((e): e is [string, string] => typeof e[1] === 'string'),
      ),
    },
  };
}
