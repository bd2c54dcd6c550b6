// The export document (issue 20): what `POST /api/v1/transfer/export` answers and `.../import` takes. Each resource is
// written as the body its REST create route accepts (the same DTO, so an import replays creation through the same
// validation), without ids, timestamps or secrets, and with references to other resources by name (integration
// title, task tag, instance title, credential name) instead of ids. `checksum` is the SHA-256 of the canonical JSON
// (RFC 8785) of the document without `checksum` (format/checksum.ts).

export const TRANSFER_FORMAT = 'conduit.export';
/**
 * The version this code writes. Older documents are upgraded on import (format/upgrade.ts); newer ones refused. An
 * optional member added since (`shared_instances`) does not change it (docs/transfer.md, "Versions").
 */
export const TRANSFER_VERSION = 1;

/** What an export may carry besides the integrations (`apps`), asked for with `include`. */
export const TRANSFER_KINDS = ['chains', 'subscriptions', 'inbound_sources', 'monitors'] as const;
export type TransferKind = (typeof TRANSFER_KINDS)[number];
/** The document's lists of named resources: the kinds, and the chain credential stubs that come with chains. */
export const RESOURCE_LISTS = [...TRANSFER_KINDS, 'chain_credentials'] as const;

export interface TransferDocument {
  format: typeof TRANSFER_FORMAT;
  version: number;
  exported_at: string;
  /** Where it came from: informative only (an import never trusts it). */
  source: { installation: string; tenant_code: string };
  apps: ExportedApp[];
  /**
   * The tenant's instances of integrations shared with it from the tenants above (an MSSP's catalogue): stubs like an
   * app's, with `integration` naming the shared integration by title (it is the MSSP's, so not exported). Written by
   * a whole export (no integration_ids) when there are any.
   */
  shared_instances?: SharedInstanceStub[];
  chains?: ExportedResource[];
  /** With chains: the tenant's chain credentials as stubs (name, description, allowed_hosts; never the value). */
  chain_credentials?: ExportedResource[];
  subscriptions?: ExportedResource[];
  inbound_sources?: ExportedResource[];
  monitors?: ExportedResource[];
  checksum: { algorithm: 'sha256'; value: string };
}

/** An integration with its tasks and instance stubs. */
export interface ExportedApp {
  /** The integration's create body (title, fields with secret defaults removed, ...), without ids. */
  integration: Record<string, unknown> & { title: string };
  /** The logo, when it has one. */
  logo: { content_type: string; base64: string } | null;
  /** Each task's create body: task_tag instead of ids; depends_on, dependent tasks and events-API refs by tag. */
  tasks: (Record<string, unknown> & { task_tag: string })[];
  /** Instances as stubs: title, base URL, non-secret fields and settings. Never a secret. */
  instances: (Record<string, unknown> & { title: string })[];
}

/** An instance stub of an integration shared from above, naming the integration by title. */
export type SharedInstanceStub = Record<string, unknown> & { integration: string; title: string };

/** A chain, subscription, inbound source or monitor: its create body, references by name, `name` its identity. */
export type ExportedResource = Record<string, unknown> & { name: string };

/** What an import is asked to do (`POST /apps/v1/app/import`, `POST /api/v1/transfer/import`). */
export interface ImportOptions {
  import_type: 'overwrite' | 'skip';
  /** Renames on the way in: integration titles (and resource names) of the document → names in this tenant. */
  name_map: Record<string, string>;
  dry_run: boolean;
  /** The whole import in one transaction: any failure writes nothing. Otherwise each integration stands alone. */
  atomic: boolean;
}

export const IMPORT_ACTIONS = ['create', 'update', 'skip', 'rename', 'error'] as const;
export type ImportAction = (typeof IMPORT_ACTIONS)[number];
export type ImportItemKind = 'integration' | 'task' | 'instance' | TransferKindItem;
type TransferKindItem = 'chain' | 'subscription' | 'inbound_source' | 'monitor';

export interface ImportProblem {
  code: string;
  message: string;
  /** Where in the document, e.g. `apps[0].tasks[2].depends_on[0]`. */
  field?: string;
}

export interface ImportItemResult {
  kind: ImportItemKind;
  /** The name in the document. */
  name: string;
  /** The name in the tenant (differs when name_map renamed it). */
  target_name: string;
  action: ImportAction;
  /** `rename` is reported beside the action taken on the renamed item (create or update). */
  renamed: boolean;
  /** The new or updated resource's id (UUID), and the seed's integer id where the resource has one. */
  id: string | null;
  seq_id: number | null;
  /** For tasks and instances: their integration's title in the tenant. */
  integration: string | null;
  problems: ImportProblem[];
}

export interface ImportReport {
  dry_run: boolean;
  atomic: boolean;
  import_type: 'overwrite' | 'skip';
  /** completed: every item imported; partial: some failed (their integration rolled back); failed: nothing written. */
  status: 'completed' | 'partial' | 'failed';
  items: ImportItemResult[];
  /** Instance stubs created inactive, with the fields and credentials they still need. */
  needs_secrets: { instance_id: string; title: string; integration: string; fields: string[] }[];
  /**
   * The other resources that need a secret given again: subscriptions created without the header values the
   * exporting tenant's held (`headers.<name>`), and the document's chain credentials the tenant does not have (never
   * created: a credential cannot exist without its `value`; `id` null).
   */
  resources_need_secrets: {
    kind: 'subscription' | 'chain_credential';
    name: string;
    id: string | null;
    secrets: string[];
  }[];
  counts: Record<ImportAction, number>;
}
