// Opens the tenant credentials a step's templates name (credential-scrubber.ts masks them in what is stored).
import { Injectable } from '@nestjs/common';
import { SecretBox } from '@conduit/secrets';
import { TenantRoundTrip } from '@conduit/database';
import { credentialAad } from '../credentials.service';
import { CREDENTIAL_NAME } from '../dto/credential.dto';
import type { TenantId } from '@conduit/platform';

@Injectable()
export class CredentialVault {
  constructor(
    private readonly trip: TenantRoundTrip,
    private readonly secrets: SecretBox,
  ) {}

  /** name -> clear value, for the given names (those that exist; a name no credential can have is not looked up). */
  async open(tenantId: TenantId, wanted: ReadonlySet<string>): Promise<Record<string, string>> {
    const names = [...wanted].filter((n) => CREDENTIAL_NAME.test(n));
    if (names.length === 0) return {};
    const rows = await this.trip.query<{ id: string; name: string; value_sealed: string }>(
      tenantId,
      `SELECT id, name, value_sealed FROM credentials WHERE tenant_id = $1::uuid AND name = ANY($2::text[])`,
      [tenantId, textArray(names)],
      { durable: true },
    );
    const opened = await Promise.all(
      rows.map(async (r) => [r.name, await this.secrets.open(tenantId, r.value_sealed, credentialAad(r.id))] as const),
    );
    return Object.fromEntries(opened);
  }
}

/** A PostgreSQL array literal of texts (for a simple-protocol round trip, which takes no array parameters). */
function textArray(values: string[]): string {
  return `{${values.map((v) => `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`;
}
