// A tenant's cases through the API: the list with its filters, manual cases, the version-checked update (publishing
// case.updated), a case's events by cursor and by the seed case panel's offset. Ingestion is CaseIngest's.
import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { TenantContext } from '@conduit/database';
import { InstancesService } from '@conduit/integrations';
import {
  Clock,
  CommonException,
  IdGenerator,
  Page,
  TenantId,
  assertTimeWindow,
  decodeCursor,
  isUuid,
  toPage,
} from '@conduit/platform';
import { EventsService, OPERATIONAL_SOURCE } from '@conduit/webhooks';
import { casePayload } from './case-events-payloads';
import { CasesException, caseNotFound } from './cases.exception';
import {
  CaseEventResponse,
  CaseResponse,
  CasePanelEventsResponse,
  CreateCaseDto,
  ListCaseEventsQueryDto,
  ListCasesQueryDto,
  UpdateCaseDto,
} from './dto/case.dto';
import { CaseEventEntity } from './entities/case-event.entity';
import { CaseEntity } from './entities/case.entity';
import { CaseEventsRepository } from './repositories/case-events.repository';
import { CasesRepository } from './repositories/cases.repository';

/** The case panel's largest page. */
export const PANEL_MAX_LIMIT = 200;
const CHANGEABLE = ['status', 'severity', 'assignee', 'tags'] as const;

@Injectable()
export class CasesService {
  constructor(
    private readonly db: TenantContext,
    private readonly cases: CasesRepository,
    private readonly caseEvents: CaseEventsRepository,
    private readonly events: EventsService,
    private readonly instances: InstancesService,
    private readonly access: AccessService,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
  ) {}

  /** A manual case (no events yet); publishes case.created. */
  async create(body: CreateCaseDto): Promise<CaseResponse> {
    const tenantId = this.tenant('create');
    return this.db.runInTenant(tenantId, async () => {
      const now = this.clock.now();
      const [number] = await this.cases.nextNumbers(tenantId, 1);
      const row: CaseEntity = {
        id: this.ids.next(),
        tenant_id: tenantId,
        case_id: number,
        title: body.title,
        severity: body.severity ?? 'medium',
        status: 'open',
        source: 'manual',
        instance_uuid: null,
        inbound_source_id: null,
        case_key: null,
        assignee: body.assignee ?? null,
        tags: body.tags ?? [],
        version: 1,
        event_count: 0,
        first_event_at: null,
        last_event_at: null,
        escalated_at: null,
        closed_at: null,
        created_by: this.access.principal().userId,
        created_at: now,
        updated_at: now,
      };
      await this.cases.insert(row);
      await this.publish(tenantId, 'case.created', row);
      return present(row);
    });
  }

  async list(query: ListCasesQueryDto): Promise<Page<CaseResponse>> {
    const tenantId = this.tenant('read');
    assertTimeWindow(query.since, query.until);
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    const filters = {
      status: query.status,
      severity: query.severity,
      source: query.source,
      instance_uuid: query.instance_id,
      since: query.since,
      until: query.until,
      q: query.q,
    };
    const rows = await this.db.runInTenant(tenantId, () => this.cases.page(tenantId, filters, { limit, cursor }));
    return toPage(rows, limit, present);
  }

  async get(id: string): Promise<CaseResponse> {
    const tenantId = this.tenant('read');
    return present(await this.db.runInTenant(tenantId, () => this.found(tenantId, id)));
  }

  /**
   * Applies the fields sent when the case is still at body.version (409 case_version_conflict when another change
   * came first); closing sets closed_at, reopening clears it. Publishes case.updated in the same transaction.
   */
  async update(id: string, body: UpdateCaseDto): Promise<CaseResponse> {
    const tenantId = this.tenant('update');
    const given = Object.fromEntries(
      CHANGEABLE.filter((k) => body[k] !== undefined).map((k) => [k, body[k]]),
    ) as Partial<Pick<CaseEntity, (typeof CHANGEABLE)[number]>>;
    if (Object.keys(given).length === 0)
      throw CommonException.validation('Nothing to update: send at least one of status, severity, assignee, tags', [
        { field: 'body', message: 'no fields' },
      ]);
    return this.db.runInTenant(tenantId, async () => {
      const row = await this.found(tenantId, id);
      const now = this.clock.now();
      const changes: Partial<CaseEntity> = { ...given, updated_at: now };
      if (given.status === 'closed' && row.status !== 'closed') changes.closed_at = now;
      else if (given.status !== undefined && given.status !== 'closed') changes.closed_at = null;
      const updated = await this.cases.updateAtVersion(tenantId, row.id, body.version, changes);
      if (!updated)
        throw new CasesException(
          'case_version_conflict',
          `The case changed since version ${body.version} (now ${row.version}); read it again and retry`,
          [{ field: 'version', message: `current version is ${row.version}` }],
        );
      await this.publish(tenantId, 'case.updated', updated);
      return present(updated);
    });
  }

  async listEvents(id: string, query: ListCaseEventsQueryDto): Promise<Page<CaseEventResponse>> {
    const tenantId = this.tenant('read', 'CaseEvent');
    const limit = query.limit ?? 50;
    const cursor = decodeCursor(query.cursor);
    const rows = await this.db.runInTenant(tenantId, async () => {
      const row = await this.found(tenantId, id);
      return this.caseEvents.page(tenantId, row.id, { limit, cursor });
    });
    // The cursor keys on (occurred_at, id), the order of the list.
    return toPage(
      rows.map((r) => ({ ...r, created_at: r.occurred_at, stored_at: r.created_at })),
      limit,
      (r) => presentEvent({ ...r, created_at: r.stored_at }),
    );
  }

  /**
   * The seed case panel: the events of case number `caseNumber` of the instance numbered `instanceNumber` (0 for a
   * case that came from a push or was made by hand), newest first, from `offset`, at most 200 (400 beyond).
   */
  async panelEvents(
    instanceNumber: number,
    caseNumber: number,
    offset: number,
    limit: number,
  ): Promise<CasePanelEventsResponse> {
    const tenantId = this.tenant('read', 'CaseEvent');
    if (limit < 1 || limit > PANEL_MAX_LIMIT)
      throw CommonException.validation(`limit must be 1 to ${PANEL_MAX_LIMIT}`, [
        { field: 'limit', message: `must be from 1 to ${PANEL_MAX_LIMIT}` },
      ]);
    if (offset < 0)
      throw CommonException.validation('off-set must not be negative', [{ field: 'off-set', message: 'must be >= 0' }]);
    return this.db.runInTenant(tenantId, async () => {
      const instance = instanceNumber === 0 ? null : await this.instances.rowByNumber(tenantId, instanceNumber);
      if (instanceNumber !== 0 && !instance) throw caseNotFound();
      const row = await this.cases.findByNumber(tenantId, caseNumber, instance?.id ?? null);
      if (!row) throw caseNotFound();
      const rows = await this.caseEvents.slice(tenantId, row.id, offset, limit);
      return { data: rows.map(presentEvent), offset, limit, total: row.event_count };
    });
  }

  private async found(tenantId: TenantId, id: string): Promise<CaseEntity> {
    const row = isUuid(id) ? await this.cases.find(tenantId, id) : null;
    if (!row) throw caseNotFound();
    return row;
  }

  private publish(tenantId: TenantId, name: string, row: CaseEntity): Promise<unknown> {
    return this.events.publishInTenant(tenantId, {
      event_name: name,
      source: OPERATIONAL_SOURCE,
      payload: casePayload(row),
    });
  }

  private tenant(action: 'read' | 'create' | 'update', subject: 'Case' | 'CaseEvent' = 'Case'): TenantId {
    const tenantId = this.access.tenant().id;
    this.access.assert(action, subject, { tenant_id: tenantId }, 'case_not_found');
    return tenantId;
  }
}

export function present(r: CaseEntity): CaseResponse {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return {
    id: r.id,
    tenant_id: r.tenant_id,
    case_id: r.case_id,
    title: r.title,
    severity: r.severity,
    status: r.status,
    source: r.source,
    instance_id: r.instance_uuid,
    inbound_source_id: r.inbound_source_id,
    case_key: r.case_key,
    assignee: r.assignee,
    tags: r.tags,
    version: r.version,
    event_count: r.event_count,
    first_event_at: iso(r.first_event_at),
    last_event_at: iso(r.last_event_at),
    escalated_at: iso(r.escalated_at),
    closed_at: iso(r.closed_at),
    created_by: r.created_by,
    created_at: new Date(r.created_at).toISOString(),
    updated_at: new Date(r.updated_at).toISOString(),
  };
}

export function presentEvent(e: CaseEventEntity): CaseEventResponse {
  return {
    id: e.id,
    case_id: e.case_id,
    source: e.source,
    instance_id: e.instance_uuid,
    inbound_source_id: e.inbound_source_id,
    external_id: e.external_id,
    title: e.title,
    severity: e.severity,
    status: e.status,
    occurred_at: e.occurred_at.toISOString(),
    raw: e.raw,
    enrichment: e.enrichment ?? null,
    created_at: e.created_at.toISOString(),
  };
}
