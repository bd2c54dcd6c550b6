// Registers SSO's directory with auth's SsoLinks, so answers that send a tenant's members to SSO (403 sso_required)
// can list the tenant's sign-in URLs.
import { Injectable, OnModuleInit } from '@nestjs/common';
import { SsoDirectory, SsoLinks, SsoLoginLink } from '@conduit/auth';
import { TenantContext } from '@conduit/database';
import { ConduitConfig, InjectConfig, TenantId } from '@conduit/platform';
import { SsoConnectionsRepository } from './repositories/sso-connections.repository';

@Injectable()
export class SsoConnectionDirectory implements SsoDirectory, OnModuleInit {
  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly db: TenantContext,
    private readonly connections: SsoConnectionsRepository,
    private readonly links: SsoLinks,
  ) {}

  onModuleInit(): void {
    this.links.use(this);
  }

  /** Absolute with PUBLIC_URL; without it, paths on this service. */
  async loginLinks(tenantId: TenantId): Promise<SsoLoginLink[]> {
    const rows = await this.db.runInTenantControlPlane(tenantId, () => this.connections.enabled(tenantId));
    const base = this.config.PUBLIC_URL ?? '';
    return rows.map((c) => ({
      connection_id: c.id,
      name: c.name,
      login_url: `${base}/api/v1/auth/saml/${c.id}/login`,
    }));
  }
}
