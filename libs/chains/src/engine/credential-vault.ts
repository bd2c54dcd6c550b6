// Opens the tenant credentials a step's templates name (credential-scrubber.ts masks them in what is stored), and
// only when every one of them may be sent to the step's target (credential-hosts.ts).
import { Injectable } from '@nestjs/common';
import { CodedError } from '@conduit/platform';
import { SecretBox } from '@conduit/secrets';
import { describeTarget, hostAllowed } from '../credential-hosts';
import { credentialAad } from '../credentials.service';
import { CREDENTIAL_NAME } from '../dto/credential.dto';
import { CredentialsRepository } from '../repositories/credentials.repository';
import type { TenantId } from '@conduit/platform';

/** A credential the step uses may not go to the step's target host: nothing was opened, nothing is sent. */
export class CredentialHostError extends CodedError<'credential_host_not_allowed'> {
  readonly code = 'credential_host_not_allowed';
}

@Injectable()
export class CredentialVault {
  constructor(
    private readonly credentials: CredentialsRepository,
    private readonly secrets: SecretBox,
  ) {}

  /**
   * name -> clear value, for the given names (those that exist; a name no credential can have is not looked up).
   * Throws CredentialHostError, before opening any value, when one of them may not be sent to targetUrl.
   */
  async open(tenantId: TenantId, wanted: ReadonlySet<string>, targetUrl: string): Promise<Record<string, string>> {
    const names = [...wanted].filter((n) => CREDENTIAL_NAME.test(n));
    if (names.length === 0) return {};
    const rows = await this.credentials.sealedByName(tenantId, names);
    const refused = rows.filter((r) => !hostAllowed(r.allowed_hosts, targetUrl));
    if (refused.length > 0) {
      const which = refused
        .map((r) => `${r.name} (allowed_hosts: ${r.allowed_hosts.length ? r.allowed_hosts.join(', ') : 'none'})`)
        .join('; ');
      throw new CredentialHostError(
        `credential_host_not_allowed: ${describeTarget(targetUrl)} is not among the allowed hosts of credential ${which}; nothing was sent`,
      );
    }
    const opened = await Promise.all(
      rows.map(async (r) => [r.name, await this.secrets.open(tenantId, r.value_sealed, credentialAad(r.id))] as const),
    );
    return Object.fromEntries(opened);
  }
}
