// What every SAML route starts with: the connection it names (before its tenant is known), usable only when enabled
// and licensed, and node-saml's options for it (what SamlStrategy's getSamlOptions answers) with its request cache and,
// when it signs, the SP key opened.
import { Injectable } from '@nestjs/common';
import type { SamlConfig } from '@node-saml/node-saml';
import { TenantContext } from '@conduit/database';
import { LicenseFeatures } from '@conduit/licensing';
import { Clock, ConduitConfig, InjectConfig, isUuid } from '@conduit/platform';
import { SecretBox } from '@conduit/secrets';
import { SsoConnectionEntity } from '../entities/sso-connection.entity';
import { SamlStateRepository } from '../repositories/saml-state.repository';
import { SsoConnectionsRepository } from '../repositories/sso-connections.repository';
import { SsoException, connectionNotFound } from '../sso.exception';
import { spKeyAad } from '../sso-connections.service';
import { PendingRequest, PostgresRequestCache, samlOptions } from './saml-client';
import { SamlEndpoints, samlEndpoints } from './saml-endpoints';

@Injectable()
export class SamlConnections {
  constructor(
    @InjectConfig() private readonly config: ConduitConfig,
    private readonly db: TenantContext,
    private readonly connections: SsoConnectionsRepository,
    private readonly state: SamlStateRepository,
    private readonly secrets: SecretBox,
    private readonly features: LicenseFeatures,
    private readonly clock: Clock,
  ) {}

  /** The connection, or 404 (also for ids that are not uuids). */
  async find(id: string): Promise<SsoConnectionEntity> {
    const connection = isUuid(id) ? await this.connections.lookup(id) : null;
    if (!connection) throw connectionNotFound();
    return connection;
  }

  /** 401 saml_connection_disabled when disabled; 403 license_feature_unavailable without the saml feature. */
  async assertUsable(connection: SsoConnectionEntity): Promise<void> {
    if (!connection.enabled) {
      throw new SsoException('saml_connection_disabled', 'This SSO connection is disabled');
    }
    await this.features.assertFeature('saml', connection.tenant_id);
  }

  /** Where PUBLIC_URL is not set, the address the request came to. */
  base(requestOrigin: string): string {
    return this.config.PUBLIC_URL ?? requestOrigin;
  }

  endpoints(connection: SsoConnectionEntity, requestOrigin: string): SamlEndpoints {
    return samlEndpoints(this.base(requestOrigin), connection.id);
  }

  cache(connection: SsoConnectionEntity, pending: PendingRequest | null = null): PostgresRequestCache {
    return new PostgresRequestCache(this.db, this.state, this.clock, connection.tenant_id, connection.id, pending);
  }

  async samlOptions(
    connection: SsoConnectionEntity,
    endpoints: SamlEndpoints,
    cache: PostgresRequestCache,
    { signs }: { signs: boolean },
  ): Promise<SamlConfig> {
    const privateKey = signs
      ? await this.secrets.open(
          connection.tenant_id,
          connection.sp_private_key_sealed,
          spKeyAad(connection.id),
          'control_plane',
        )
      : undefined;
    return samlOptions({
      connection,
      endpoints,
      cache,
      clockSkewSeconds: this.config.SAML_CLOCK_SKEW_SECONDS,
      privateKey,
    });
  }
}
