// Where a tenant's members sign in through SSO, for the answers that send them there (403 sso_required when the tenant
// enforces SSO). The SSO lib registers its directory here at start-up; this lib cannot import it (it imports this one).
// Without a registered directory there are no links.
import { Injectable } from '@nestjs/common';
import type { TenantId } from '@conduit/platform';

export interface SsoLoginLink {
  connection_id: string;
  name: string;
  /** Starts the sign-in (GET /api/v1/auth/saml/{connection_id}/login): absolute with PUBLIC_URL, else a path. */
  login_url: string;
}

export interface SsoDirectory {
  /** The tenant's enabled connections' sign-in URLs. */
  loginLinks(tenantId: TenantId): Promise<SsoLoginLink[]>;
}

@Injectable()
export class SsoLinks {
  private directory: SsoDirectory | null = null;

  use(directory: SsoDirectory): void {
    this.directory = directory;
  }

  loginLinks(tenantId: TenantId): Promise<SsoLoginLink[]> {
    return this.directory ? this.directory.loginLinks(tenantId) : Promise.resolve([]);
  }
}
