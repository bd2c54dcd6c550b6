// Opens the tenant credentials a step's templates name (credential-scrubber.ts masks them in what is stored).
import { Injectable } from '@nestjs/common';
import { SecretBox } from '@conduit/secrets';
import { credentialAad } from '../credentials.service';
import { CREDENTIAL_NAME } from '../dto/credential.dto';
import { CredentialsRepository } from '../repositories/credentials.repository';
import type { TenantId } from '@conduit/platform';

@Injectable()
export class CredentialVault {
  constructor(
    private readonly credentials: CredentialsRepository,
    private readonly secrets: SecretBox,
  ) {}

  /** name -> clear value, for the given names (those that exist; a name no credential can have is not looked up). */
  async open(tenantId: TenantId, wanted: ReadonlySet<string>): Promise<Record<string, string>> {
    const names = [...wanted].filter((n) => CREDENTIAL_NAME.test(n));
    if (names.length === 0) return {};
    const rows = await this.credentials.sealedByName(tenantId, names);
    const opened = await Promise.all(
      rows.map(async (r) => [r.name, await this.secrets.open(tenantId, r.value_sealed, credentialAad(r.id))] as const),
    );
    return Object.fromEntries(opened);
  }
}
