// The receive path: resolve the source, check address and size, verify the signature on the raw bytes, store the
// request exactly as received (deduplicated by the provider's delivery id), and queue routing after commit.
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { BlockList, isIP } from 'node:net';
import { TenantContext } from '@conduit/database';
import { Clock, IdGenerator, TenantId, storableText } from '@conduit/platform';
import { RedisAvailability } from '@conduit/queues';
import { bodyFormatRefusal, isJsonContentType, withoutBom } from './body-format';
import { deliveryKey } from './delivery-key';
import { ReceiveResponse } from './dto/receive.dto';
import { InboundEventEntity } from './entities/inbound-event.entity';
import { InboundSourceEntity } from './entities/inbound-source.entity';
import { IngestionException } from './ingestion.exception';
import { InboundEventWriter, MAX_ROUTING_JOB_EVENTS, routingJob } from './inbound-event-writer';
import { SourcesRepository } from './repositories/sources.repository';
import { ReceiveTarget, ResolvedSource, SourceResolver } from './source-resolver';
import { providerDeliveryId, providerEventType } from './verification';
import { verifyInbound } from '@conduit/signatures';
import { INGESTION_QUEUE, IngestionJob } from './ingestion-job';

export interface ReceivedRequest {
  rawBody: Buffer;
  /** lower-cased names */
  headers: Record<string, string | undefined>;
  ip: string;
}

const MASKED_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-api-key']);
const MAX_EVENT_TYPE = 200;

/**
 * The body as JSON when the sender says it is JSON (a declared JSON body that does not parse is refused, after
 * verification, with invalid_json), or when it has no content type and parses; otherwise undefined (stored as bytes).
 * A UTF-8 byte order mark before the JSON is skipped.
 */
function parseJson(raw: Buffer, contentType: string | undefined): unknown {
  if (contentType !== undefined && !isJsonContentType(contentType)) return undefined;
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(withoutBom(raw).toString('utf8')) as unknown;
  } catch {
    if (contentType) throw new IngestionException('invalid_json', 'The body is declared as JSON but does not parse');
    return undefined;
  }
}

/** A value taken from the request for a text column: shortened, and storable by PostgreSQL (see storableText). */
function storedField(value: string | undefined, max: number): string | undefined {
  return value === undefined ? undefined : storableText(value.slice(0, max));
}

/** The headers as stored: credentials masked. */
function storedHeaders(headers: Record<string, string | undefined>): Record<string, string> {
  const stored: Record<string, string> = {};
  for (const name in headers) {
    const value = headers[name];
    if (typeof value === 'string') stored[name] = MASKED_HEADERS.has(name) ? '[REDACTED]' : value;
  }
  return stored;
}

function allowedBy(cidrs: string[], ip: string): boolean {
  if (cidrs.length === 0) return true;
  const address = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [net, bits] = cidr.split('/');
    const netFamily = isIP(net) === 6 ? 'ipv6' : 'ipv4';
    list.addSubnet(net, Number(bits ?? (netFamily === 'ipv6' ? 128 : 32)), netFamily);
  }
  return list.check(address, family);
}

@Injectable()
export class ReceiveService {
  constructor(
    private readonly db: TenantContext,
    private readonly sources: SourcesRepository,
    private readonly resolver: SourceResolver,
    private readonly writer: InboundEventWriter,
    private readonly ids: IdGenerator,
    private readonly clock: Clock,
    @InjectQueue(INGESTION_QUEUE) private readonly queue: Queue<IngestionJob>,
    private readonly redis: RedisAvailability,
  ) {}

  async accept(target: ReceiveTarget, request: ReceivedRequest): Promise<ReceiveResponse> {
    // Cached sources are answered without a turn of the event loop (the common case on this hot path).
    const resolved = this.resolver.cached(target) ?? (await this.resolver.resolve(target));
    if (!resolved) throw new IngestionException('source_not_found', 'No active webhook source here');
    const { source } = resolved;
    const refusal = this.refusal(resolved, request);
    if (refusal) {
      // Refusals are counted on the source (with the last reason) and never store the body.
      await this.recordRejection(source, refusal.code);
      throw refusal;
    }
    const contentType = request.headers['content-type'];
    let parsed: unknown;
    try {
      parsed = parseJson(request.rawBody, contentType);
    } catch (err) {
      await this.recordRejection(source, 'invalid_json');
      throw err;
    }
    // Read from the body, these may hold NUL characters or unpaired surrogates, which PostgreSQL cannot store (and
    // which
    // would fail the whole group commit): replaced, the same way on every repeat, so deduplication still holds. Long
    // delivery ids are keyed by a prefix and a hash of the whole id (see deliveryKey), never cut to a prefix alone.
    const providerId = providerDeliveryId(source.provider, request.headers, parsed);
    const now = this.clock.now();
    const event: InboundEventEntity = {
      id: this.ids.next(),
      tenant_id: source.tenant_id,
      source_id: source.id,
      provider: source.provider,
      delivery_id: providerId === undefined ? null : deliveryKey(providerId),
      event_type: storedField(providerEventType(source.provider, request.headers, parsed), MAX_EVENT_TYPE) ?? null,
      content_type: contentType ?? null,
      raw_body: request.rawBody,
      headers: storedHeaders(request.headers),
      source_ip: request.ip,
      payload_size: request.rawBody.length,
      status: 'accepted',
      routing_attempts: 0,
      routing_error: null,
      routed_event_id: null,
      received_at: now,
      routed_at: null,
    };
    const stored = await this.writer.write(event);
    return {
      event_id: stored.id,
      status: stored.duplicate ? 'duplicate' : 'accepted',
      message: stored.duplicate ? 'Already received; the first delivery is kept' : 'Webhook accepted for processing',
      received_at: stored.receivedAt.toISOString(),
      metadata: {
        destination: `source:${source.name}`,
        source_ip: request.ip,
        payload_size: request.rawBody.length,
        header_count: Object.keys(request.headers).length,
      },
    };
  }

  /** Queues routing of these requests of one tenant, in jobs of at most MAX_ROUTING_JOB_EVENTS. */
  async enqueue(tenantId: TenantId, inboundEventIds: string[], generation = 0): Promise<void> {
    const jobs: ReturnType<typeof routingJob>[] = [];
    for (let i = 0; i < inboundEventIds.length; i += MAX_ROUTING_JOB_EVENTS) {
      jobs.push(routingJob(tenantId, inboundEventIds.slice(i, i + MAX_ROUTING_JOB_EVENTS), generation));
    }
    // While Redis is away this fails at once (QueueUnavailableError): the requests wait for the reconciler.
    if (jobs.length > 0) await this.redis.call('queueing routing', () => this.queue.addBulk(jobs));
  }

  /** Why this request may not be stored: address, size, content coding or charset, or verification. */
  private refusal({ source, secrets }: ResolvedSource, request: ReceivedRequest): IngestionException | null {
    if (!allowedBy(source.allowed_cidrs, request.ip)) {
      return new IngestionException('ip_not_allowed', 'This address may not post to this source');
    }
    if (request.rawBody.length > source.max_body_bytes) {
      return new IngestionException(
        'payload_too_large',
        `Body exceeds this source's limit of ${source.max_body_bytes} bytes`,
      );
    }
    // A compressed body or JSON in another charset: refused before verification, whose 401 would hide the reason.
    const format = bodyFormatRefusal(request.headers);
    if (format) return format;
    const result = verifyInbound({
      provider: source.provider,
      rawBody: request.rawBody,
      headers: request.headers,
      secrets,
      sourceId: source.id,
      tenantId: source.tenant_id,
      now: this.clock.now(),
    });
    return result.ok ? null : new IngestionException(result.reason, result.message);
  }

  private async recordRejection(source: InboundSourceEntity, reason: string): Promise<void> {
    await this.db.runInTenant(source.tenant_id, () =>
      this.sources.recordRejection(source.tenant_id, source.id, reason),
    );
  }
}
