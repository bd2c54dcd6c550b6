// Reads a presented SCIM token and its tenant's standing in ONE round trip, before the tenant is known: the prefix
// opens that one row of scim_tokens (the lookup policy), as an API key's does for api_keys. Nothing is kept between
// requests: a revocation shows on the very next one.
import { Injectable } from '@nestjs/common';
import { SCIM_TOKEN_LOOKUP_SETTING, TenantRoundTrip, inline, preparedStatement } from '@conduit/database';
import type { TenantRef } from '@conduit/access';
import type { TenantId } from '@conduit/platform';

export interface PresentedScimToken {
  id: string;
  tenant_id: TenantId;
  connection_id: string;
  name: string;
  token_hash: string;
  revoked_at: Date | null;
  last_used_at: Date | null;
  tenant_status: TenantRef['status'];
  tenant_deleted_at: Date | null;
}

const READ_TOKEN = preparedStatement(
  'scim_token_presented',
  `SELECT k.id, k.tenant_id, k.connection_id, k.name, k.token_hash, k.revoked_at, k.last_used_at,
    t.status AS tenant_status, t.deleted_at AS tenant_deleted_at
  FROM scim_tokens k JOIN tenants t ON t.id = k.tenant_id
  WHERE k.prefix = $1::text`,
);

@Injectable()
export class ScimTokenLookup {
  constructor(private readonly trip: TenantRoundTrip) {}

  /** The token with this prefix (12 hex characters), or null. */
  async byPrefix(prefix: string): Promise<PresentedScimToken | null> {
    const [row] = await this.trip.executeAfter<PresentedScimToken>(
      [inline(`SELECT set_config($1, $2, true)`, [SCIM_TOKEN_LOOKUP_SETTING, prefix])],
      READ_TOKEN,
      [prefix],
    );
    return row ?? null;
  }
}
