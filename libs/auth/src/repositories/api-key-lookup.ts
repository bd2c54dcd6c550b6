// Reads a presented key, its tenant and its creator's standing in ONE round trip, on every API-key request.
//
// Three statements travel in one simple-protocol message, which PostgreSQL runs as a single implicit transaction
// (TenantRoundTrip.executeAfter): set app.api_key_prefix (the api_keys lookup policy), set app.user_id to that key's
// creator (the memberships lookup policy), then read everything. Both settings are transaction-local, as in the
// transaction this replaces, and no tenant is set: the read sees that one key, tenants and users (control plane, no
// RLS) and that one user's memberships, nothing else. The creator is read before the key's hash is checked; on a
// mismatch the caller discards the row, exactly as before. No result is kept between requests: revocation, expiry,
// demotion, removal and deactivation all show on the very next request.
import { Injectable } from '@nestjs/common';
import { API_KEY_LOOKUP_SETTING, TenantRoundTrip, USER_SETTING, inline, preparedStatement } from '@conduit/database';
import type { Role, TenantRef } from '@conduit/access';
import type { ApiKeyEntity } from '../entities/api-key.entity';
import type { TenantId } from '@conduit/platform';

export interface PresentedKey {
  id: string;
  tenant_id: TenantId;
  name: string;
  key_hash: string;
  role: ApiKeyEntity['role'];
  scopes: string[];
  created_by: string | null;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  tenant_code: string;
  tenant_name: string;
  tenant_status: TenantRef['status'];
  tenant_parent_id: string | null;
  tenant_deleted_at: Date | null;
  /** 'disabled' when the creator's account, or their membership in the key's tenant, is disabled. */
  creator_status: 'active' | 'disabled' | null;
  /** The roles through which the creator can act in the key's tenant today (see below); empty when none. */
  creator_roles: Role[];
}

// The creator's roles reaching the key's tenant, through active memberships only: a membership there, platform admin
// anywhere, or MSSP admin of an ancestor, in a tenant not deleted; one held in another tenant counts only while that
// tenant is active (the creator could not log in from it either; the key's own tenant's status is refused by the
// caller with its own code). The walk up the tree stops at a repeated id, whatever the data.
const READ_KEY = preparedStatement(
  'api_key_presented',
  `WITH RECURSIVE up(id, parent_id, path) AS (
    SELECT t.id, t.parent_id, ARRAY[t.id] FROM api_keys k JOIN tenants t ON t.id = k.tenant_id WHERE k.prefix = $1::text
    UNION ALL
    SELECT t.id, t.parent_id, up.path || t.id FROM tenants t JOIN up ON t.id = up.parent_id WHERE NOT t.id = ANY(up.path)
  )
  SELECT k.id, k.tenant_id, k.name, k.key_hash, k.role, k.scopes, k.created_by, k.expires_at, k.last_used_at, k.revoked_at,
    t.code AS tenant_code, t.name AS tenant_name, t.status AS tenant_status, t.parent_id AS tenant_parent_id,
    t.deleted_at AS tenant_deleted_at,
    CASE WHEN u.status = 'disabled' OR EXISTS (SELECT 1 FROM memberships km
      WHERE km.user_id = k.created_by AND km.tenant_id = k.tenant_id AND km.status = 'disabled')
      THEN 'disabled' ELSE u.status END AS creator_status,
    ARRAY(SELECT m.role FROM memberships m JOIN tenants mt ON mt.id = m.tenant_id
      WHERE m.user_id = k.created_by AND m.status = 'active' AND mt.deleted_at IS NULL AND (mt.id = k.tenant_id OR mt.status = 'active')
        AND (m.tenant_id = k.tenant_id OR m.role = 'platform_admin' OR (m.role = 'mssp_admin' AND m.tenant_id IN (SELECT id FROM up)))
    ) AS creator_roles
  FROM api_keys k JOIN tenants t ON t.id = k.tenant_id LEFT JOIN users u ON u.id = k.created_by
  WHERE k.prefix = $1::text`,
);

@Injectable()
export class ApiKeyLookup {
  constructor(private readonly trip: TenantRoundTrip) {}

  /** The key with this prefix (12 hex characters), or null when there is none. */
  async byPrefix(prefix: string): Promise<PresentedKey | null> {
    const [key] = await this.trip.executeAfter<PresentedKey>(
      [
        inline(`SELECT set_config($1, $2, true)`, [API_KEY_LOOKUP_SETTING, prefix]),
        inline(`SELECT set_config($1, coalesce((SELECT created_by::text FROM api_keys WHERE prefix = $2), ''), true)`, [
          USER_SETTING,
          prefix,
        ]),
      ],
      READ_KEY,
      [prefix],
    );
    return key ?? null;
  }
}
