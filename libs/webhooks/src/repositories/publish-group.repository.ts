// The API's publish group commit in two round trips per batch and tenant (TenantRoundTrip: the tenant set and the
// statements in one message, one transaction each): the read (live events holding the batch's idempotency keys, the
// active subscriptions its event names may reach, and the event hooks' probes) and the durable write (expired keys
// given up, every new event and its deliveries, and the audit rows, which commit together or not at all).
import { Injectable } from '@nestjs/common';
import { TenantRoundTrip, TenantStatement } from '@conduit/database';
import type { TenantId } from '@conduit/platform';
import { EventEntity } from '../entities/event.entity';
import { NewEvent, insertStatement, isIdempotencyRace } from './events.repository';
import { FanOutTarget } from './subscriptions.repository';

/** A subscription an event may reach, with the types and patterns it is subscribed to. */
export type FanOutCandidate = FanOutTarget & { event_types: string[] };

export interface GroupRead {
  /** The events holding any of the keys, live or expired. */
  keyed: EventEntity[];
  /** Active subscriptions to any of the patterns, before their filters. */
  candidates: FanOutCandidate[];
  /** The event names the probes listed (the hooks may act on their events). */
  hooked: Set<string>;
}

@Injectable()
export class PublishGroupRepository {
  constructor(private readonly trip: TenantRoundTrip) {}

  async read(tenantId: TenantId, keys: string[], patterns: string[], probes: TenantStatement[]): Promise<GroupRead> {
    const statements: TenantStatement[] = [
      {
        sql: `SELECT id, filter, retry_schedule, event_types FROM webhook_subscriptions
               WHERE tenant_id = $1::uuid AND is_active AND deleted_at IS NULL
                 AND event_types && ARRAY(SELECT jsonb_array_elements_text($2::jsonb))`,
        values: [tenantId, JSON.stringify(patterns)],
      },
      ...probes,
    ];
    if (keys.length > 0) {
      statements.push({
        sql: `SELECT id, tenant_id, event_name, source, payload, idempotency_key, delivery_count, created_at
                FROM webhook_events
               WHERE tenant_id = $1::uuid AND idempotency_key IN (SELECT jsonb_array_elements_text($2::jsonb))`,
        values: [tenantId, JSON.stringify(keys)],
      });
    }
    const [candidates, ...rest] = await this.trip.queryMany(tenantId, statements, { durable: true });
    const probed = rest.slice(0, probes.length) as { event_name: string }[][];
    return {
      candidates: candidates as FanOutCandidate[],
      hooked: new Set(probed.flat().map((r) => r.event_name)),
      keyed: keys.length > 0 ? (rest[probes.length] as EventEntity[]) : [],
    };
  }

  /**
   * One transaction, committed durably before this returns: the expired keys' events give them up, the new events and
   * their deliveries, then `audit`. false, with nothing written, when a key was taken by a concurrent publish since the
   * read (the caller reads again and answers those inputs as duplicates).
   */
  async write(tenantId: TenantId, expired: string[], fresh: NewEvent[], audit: TenantStatement): Promise<boolean> {
    const statements: TenantStatement[] = [];
    if (expired.length > 0) {
      statements.push({
        sql: `UPDATE webhook_events SET idempotency_key = NULL
               WHERE tenant_id = $1::uuid AND id IN (SELECT (jsonb_array_elements_text($2::jsonb))::uuid)`,
        // In id order, like the inserts in key order: two batches giving up the same keys do not deadlock.
        values: [tenantId, JSON.stringify([...expired].sort())],
      });
    }
    if (fresh.length > 0) statements.push(insertStatement(fresh));
    statements.push(audit);
    try {
      await this.trip.queryMany(tenantId, statements, { durable: true });
      return true;
    } catch (err) {
      if (isIdempotencyRace(err)) return false;
      throw err;
    }
  }
}
