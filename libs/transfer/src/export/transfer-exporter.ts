// The export (issue 20 point 1): the acting tenant's integrations, with their tasks and instance stubs, and on
// request its chains, subscriptions, inbound sources and monitors, as one document of create bodies that names its
// references and carries no secret. Everything is read through the domains' own services, so their read rules apply
// and the secrets they never answer cannot reach the document.
import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { AuditLog } from '@conduit/audit';
import { InstanceIngestionService } from '@conduit/cases';
import { ChainsService, CredentialsService } from '@conduit/chains';
import { SourcesService } from '@conduit/ingestion';
import {
  FieldDefinition,
  InstanceResponse,
  InstancesService,
  IntegrationResponse,
  IntegrationsService,
} from '@conduit/integrations';
import { LicenseState } from '@conduit/licensing';
import { MonitorsService } from '@conduit/monitors';
import { Clock, ConduitException, ErrorDetail, Page, RequestMeta, TenantId } from '@conduit/platform';
import { TasksService } from '@conduit/tasks';
import { SubscriptionsService } from '@conduit/webhooks';
import { documentChecksum } from '../format/checksum';
import {
  ExportedApp,
  ExportedResource,
  SharedInstanceStub,
  TRANSFER_FORMAT,
  TRANSFER_KINDS,
  TRANSFER_VERSION,
  TransferDocument,
  TransferKind,
} from '../format/transfer-document';
import { TransferException } from '../transfer.exception';
import {
  UnresolvedReference,
  byCodePoint,
  chainBody,
  compareJson,
  credentialStub,
  instanceStub,
  integrationBody,
  monitorBody,
  nameSubscriptions,
  sourceBody,
  subscriptionBody,
  taskBody,
} from './export-bodies';

export interface ExportRequest {
  /** The seed's integer integration_id, or the UUID; none: every integration of the acting tenant. */
  integration_ids?: (number | string)[];
  include?: TransferKind[];
}

/** The largest page the services answer. */
const PAGE = 200;

/** Every page of a keyset-paged list. */
async function all<T>(page: (cursor: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const rows: T[] = [];
  let cursor: string | undefined;
  do {
    const next = await page(cursor);
    rows.push(...next.data);
    cursor = next.next_cursor ?? undefined;
  } while (cursor);
  return rows;
}

const sorted = <T extends Record<string, unknown>>(items: T[]): T[] => [...items].sort(compareJson);

@Injectable()
export class TransferExporter {
  constructor(
    private readonly access: AccessService,
    private readonly integrations: IntegrationsService,
    private readonly tasks: TasksService,
    private readonly instances: InstancesService,
    private readonly ingestion: InstanceIngestionService,
    private readonly chains: ChainsService,
    private readonly credentials: CredentialsService,
    private readonly subscriptions: SubscriptionsService,
    private readonly sources: SourcesService,
    private readonly monitors: MonitorsService,
    private readonly licence: LicenseState,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
  ) {}

  async export(request: ExportRequest, meta: RequestMeta = {}): Promise<TransferDocument> {
    const tenant = this.access.tenant();
    this.access.assert('read', 'Transfer', { tenant_id: tenant.id });
    const include = TRANSFER_KINDS.filter((kind) => request.include?.includes(kind));

    // The catalogue the tenant reads (its own and the shared one above): own integrations are exported, every title
    // names a chain step's instance.
    const catalogue = await all((cursor) => this.integrations.list({ limit: PAGE, cursor }));
    const own = catalogue.filter((i) => i.shared_from === null);
    const chosen = this.choose(own, request.integration_ids);
    const instances = await all((cursor) => this.instances.list({ limit: PAGE, cursor }));
    // One after another: the request's one connection would queue them anyway.
    const apps: ExportedApp[] = [];
    for (const integration of chosen) apps.push(await this.app(integration, instances));

    const document: Omit<TransferDocument, 'checksum'> & { checksum?: TransferDocument['checksum'] } = {
      format: TRANSFER_FORMAT,
      version: TRANSFER_VERSION,
      exported_at: this.clock.now().toISOString(),
      source: { installation: this.licence.current().installation_id, tenant_code: tenant.code },
      apps: [...apps].sort((a, b) => byCodePoint(a.integration.title, b.integration.title)),
    };
    // A whole export carries the tenant's instances of the integrations shared with it from above, so a backup of an
    // MSSP's customer restores them (the integrations themselves are the MSSP's, named by title).
    if (request.integration_ids === undefined) {
      const shared = await this.sharedInstances(catalogue, instances);
      if (shared.length > 0) document.shared_instances = shared;
    }
    const unresolved: UnresolvedReference[] = [];
    const subscriptions = include.includes('subscriptions') || include.includes('chains') ? await this.subs() : null;
    if (include.includes('chains')) {
      const titles = new Map(catalogue.map((i) => [i.id, i.title]));
      const byInstance = new Map(instances.map((x) => [x.id, x]));
      const subscriptionNames = new Map((subscriptions ?? []).map((s) => [s.id, s.resource.name]));
      const chains = await all((cursor) => this.chains.list({ limit: PAGE, cursor }));
      document.chains = sorted(
        chains.map((chain) =>
          chainBody(
            chain,
            {
              subscriptionName: (id) => subscriptionNames.get(id),
              instance: (id) => {
                const x = byInstance.get(id);
                const integration = x && titles.get(x.integration_uuid);
                return x && integration ? { integration, title: x.title } : undefined;
              },
            },
            unresolved,
          ),
        ),
      );
      const credentials = await all((cursor) => this.credentials.list({ limit: PAGE, cursor }));
      document.chain_credentials = sorted(credentials.map(credentialStub));
    }
    if (include.includes('subscriptions')) document.subscriptions = (subscriptions ?? []).map((s) => s.resource);
    if (include.includes('inbound_sources')) {
      const sources = await all((cursor) => this.sources.list({ limit: PAGE, cursor }));
      document.inbound_sources = sorted(sources.map(sourceBody));
    }
    if (include.includes('monitors')) {
      const monitors = await all((cursor) => this.monitors.list({ limit: PAGE, cursor }));
      document.monitors = sorted(monitors.map(monitorBody));
    }
    const checksum = { algorithm: 'sha256' as const, value: documentChecksum(document) };
    const exported: TransferDocument = { ...document, checksum };
    await this.record(tenant.id, exported, include, unresolved, meta);
    return exported;
  }

  /** The integrations asked for, in the request's order; 404 export_not_found naming every id the tenant lacks. */
  private choose(own: IntegrationResponse[], ids: (number | string)[] | undefined): IntegrationResponse[] {
    if (ids === undefined) return own;
    const missing: ErrorDetail[] = [];
    const chosen = new Map<string, IntegrationResponse>();
    ids.forEach((id, i) => {
      const found = own.find((x) => (typeof id === 'number' ? x.integration_id === id : x.id === id.toLowerCase()));
      if (found) chosen.set(found.id, found);
      else missing.push({ field: `integration_ids[${i}]`, message: `no integration ${id} in this tenant`, id });
    });
    if (missing.length > 0)
      throw new TransferException(
        'export_not_found',
        `The tenant has no integration ${missing.map((m) => String(m.id)).join(', ')}: nothing was exported`,
        missing,
      );
    return [...chosen.values()];
  }

  private async app(integration: IntegrationResponse, instances: InstanceResponse[]): Promise<ExportedApp> {
    const tasks = await all((cursor) => this.tasks.list(integration.id, { limit: PAGE, cursor }));
    const logo = integration.logo ? await this.integrations.logo(integration.id) : null;
    const definitions = integration.fields as unknown as FieldDefinition[];
    const stubs: ExportedApp['instances'] = [];
    for (const x of instances.filter((i) => i.integration_uuid === integration.id))
      stubs.push(instanceStub(x, definitions, await this.ingestionOf(x.id)));
    return {
      integration: integrationBody(integration),
      logo: logo ? { content_type: logo.content_type, base64: logo.body.toString('base64') } : null,
      tasks: [...tasks.map(taskBody)].sort((a, b) => byCodePoint(a.task_tag, b.task_tag)),
      instances: sorted(stubs),
    };
  }

  /** The tenant's instances of integrations shared from above, as stubs naming their integration by title. */
  private async sharedInstances(
    catalogue: IntegrationResponse[],
    instances: InstanceResponse[],
  ): Promise<SharedInstanceStub[]> {
    const shared = new Map(catalogue.filter((i) => i.shared_from !== null).map((i) => [i.id, i]));
    const stubs: SharedInstanceStub[] = [];
    for (const x of instances) {
      const integration = shared.get(x.integration_uuid);
      if (!integration) continue;
      const definitions = integration.fields as unknown as FieldDefinition[];
      stubs.push({ integration: integration.title, ...instanceStub(x, definitions, await this.ingestionOf(x.id)) });
    }
    return sorted(stubs);
  }

  /** The instance's polling ingestion settings (the PUT body, task by tag), or null when it has none. */
  private async ingestionOf(instanceId: string): Promise<Record<string, unknown> | null> {
    try {
      return (await this.ingestion.get(instanceId)).config;
    } catch (err) {
      if (err instanceof ConduitException && err.code === 'ingestion_not_configured') return null;
      throw err;
    }
  }

  /** Subscriptions named for the document, with their ids (for chain steps). */
  private async subs(): Promise<{ id: string; resource: ExportedResource }[]> {
    const rows = await all((cursor) => this.subscriptions.list({ limit: PAGE, cursor }));
    return nameSubscriptions(rows.map((row) => ({ id: row.id, body: subscriptionBody(row) })));
  }

  /** Who exported what: the kinds and counts, never the content. */
  private async record(
    tenantId: TenantId,
    document: TransferDocument,
    include: TransferKind[],
    unresolved: UnresolvedReference[],
    meta: RequestMeta,
  ): Promise<void> {
    const { principal } = this.access.identity();
    // A list, not a record: the audit trail masks the values of secret-looking keys (chain_credentials is one).
    const counts = [
      { kind: 'integrations', count: document.apps.length },
      { kind: 'tasks', count: document.apps.reduce((n, a) => n + a.tasks.length, 0) },
      { kind: 'instances', count: document.apps.reduce((n, a) => n + a.instances.length, 0) },
      ...(document.shared_instances ? [{ kind: 'shared_instances', count: document.shared_instances.length }] : []),
    ];
    for (const kind of [...include, 'chain_credentials'] as const) {
      const items = document[kind];
      if (items) counts.push({ kind, count: items.length });
    }
    await this.audit.record({
      tenantId,
      action: 'transfer.export',
      outcome: 'success',
      actor: { type: principal.kind, id: principal.id, label: principal.label },
      target: { type: 'Transfer', id: null },
      statusCode: 200,
      ip: meta.ip,
      userAgent: meta.userAgent,
      requestId: meta.requestId,
      changes: null,
      metadata: {
        include,
        counts,
        checksum: document.checksum.value,
        ...(unresolved.length > 0 && { unresolved_references: unresolved }),
        ...(principal.homeTenantId !== tenantId && { home_tenant_id: principal.homeTenantId }),
      },
    });
  }
}
