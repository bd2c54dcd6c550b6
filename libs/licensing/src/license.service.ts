// The licence: what is in force (GET /api/v1/license, license:status) and installing one (PUT /api/v1/license,
// license:install). An install is verified completely before anything is written, so a refused licence changes
// nothing and the previous one stays in force.
import { Injectable } from '@nestjs/common';
import { AccessService } from '@conduit/access';
import { AuditLog } from '@conduit/audit';
import { SystemContext, TenantContext } from '@conduit/database';
import { Clock, IdGenerator, InvariantError } from '@conduit/platform';
import { PLATFORM_TENANT_CODE, TenantHierarchy } from '@conduit/tenants';
import type { LicenseResponse } from './dto/license.dto';
import { licenseFingerprint } from './license-fingerprint';
import { computeEffectiveLicense } from './license-plan';
import type { Quota } from './license-terms';
import { presentLicense } from './license-presenter';
import { LicenseStateService } from './license-state.service';
import { LicenseUsage } from './license-usage';
import { LicenseVerifier, VerifiedLicense } from './license-verifier';
import { InstallationRepository, InstallationRow } from './repositories/installation.repository';
import { LicensesRepository } from './repositories/licenses.repository';
import { UsageRepository } from './repositories/usage.repository';
import { monthDate, monthOf } from './usage/usage-month';

/** Who installs: a user or API key through the API, or an operator through the CLI. */
export type Installer = { via: 'api'; userId: string | null; label: string } | { via: 'cli' };

@Injectable()
export class LicenseService {
  constructor(
    private readonly access: AccessService,
    private readonly db: TenantContext,
    private readonly system: SystemContext,
    private readonly installations: InstallationRepository,
    private readonly licenses: LicensesRepository,
    private readonly verifier: LicenseVerifier,
    private readonly state: LicenseStateService,
    private readonly hierarchy: TenantHierarchy,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly usage: LicenseUsage,
    private readonly monthly: UsageRepository,
  ) {}

  /** GET /api/v1/license. */
  async get(): Promise<LicenseResponse> {
    this.access.assert('read', 'License');
    return this.status();
  }

  /** PUT /api/v1/license: the caller (a platform admin) installs a licence; the request's interceptor audits it. */
  install(token: string): Promise<LicenseResponse> {
    this.access.assert('update', 'License');
    const { principal } = this.access.identity();
    return this.installAs(token, { via: 'api', userId: principal.userId, label: principal.label });
  }

  /** What is in force on this process now (license:status, and GET's answer). */
  async status(): Promise<LicenseResponse> {
    const now = this.clock.now();
    const active = this.state.activeLicense();
    const installed = active
      ? {
          installed_at: active.row.installed_at,
          installed_by: active.row.installed_by,
          kid: active.kid,
          verified: active.claims !== null,
        }
      : null;
    return presentLicense(this.state.current(), installed, await this.usageNow(), now);
  }

  /**
   * Verifies the licence against this installation and makes it the active one, in the caller's transaction (the
   * request's, whose audit row commits with it) or a new one (the CLI's, audited here as the operator). Every process
   * adopts it on its next refresh; this one as soon as it is committed.
   */
  async installAs(token: string, installer: Installer): Promise<LicenseResponse> {
    const now = this.clock.now();
    const { verified, installation } = await this.system.run('licensing.install', async () => {
      const installation = await this.lockInstallation(now);
      const verified = await this.verifier.verify(token, {
        now,
        latestSeenAt: installation.latest_seen_at,
        installationId: installation.installation_id,
      });
      const { claims } = verified;
      await this.licenses.replaceActive({
        id: this.ids.next(),
        license_id: claims.jti,
        licensee: claims.sub,
        kid: verified.kid,
        token,
        claims: { ...claims },
        issued_at: new Date(claims.iat * 1000),
        not_before: new Date(claims.nbf * 1000),
        expires_at: new Date(claims.exp * 1000),
        grace_days: claims.grace_days,
        installed_at: now,
        installed_by_user_id: installer.via === 'api' ? installer.userId : null,
        installed_by: installer.via === 'api' ? installer.label : 'cli',
        installed_via: installer.via,
      });
      if (installer.via === 'cli') await this.auditOperatorInstall(token, verified);
      this.db.afterCommit(() => this.state.refresh());
      return { verified, installation };
    });
    // The answer is what is in force once this commits (the state adopts it after the commit).
    const effective = computeEffectiveLicense({ installation, license: verified.claims, now });
    const installed = {
      installed_at: now,
      installed_by: installer.via === 'api' ? installer.label : 'cli',
      kid: verified.kid,
      verified: true,
    };
    return presentLicense(effective, installed, await this.usageNow(), now);
  }

  /** The installation's row, locked for this install (created first on an installation no process has started on). */
  private async lockInstallation(now: Date): Promise<InstallationRow> {
    const row = await this.installations.lock();
    if (row) return row;
    await this.installations.ensure(this.ids.next(), now);
    const created = await this.installations.lock();
    if (!created)
      throw new InvariantError('conflicting_row_missing', 'the installation row is missing right after it was created');
    return created;
  }

  /** The CLI's install, audited in the platform tenant as the operator (none yet: the licence history says who). */
  private async auditOperatorInstall(token: string, { claims, kid }: VerifiedLicense): Promise<void> {
    const platform = await this.hierarchy.find(PLATFORM_TENANT_CODE);
    if (!platform) return;
    await this.audit.record({
      tenantId: platform.id,
      action: 'license.install',
      outcome: 'success',
      actor: { type: 'system', label: 'cli' },
      target: { type: 'License', id: claims.jti },
      changes: {
        ...licenseFingerprint(token),
        license_id: claims.jti,
        licensee: claims.sub,
        key_id: kid,
        expires_at: isoSeconds(claims.exp),
      },
    });
  }

  /** The enforced quotas counted now; events_per_month: this month's events as the worker counted them so far. */
  private async usageNow(): Promise<Partial<Record<Quota, number>>> {
    const month = monthDate(monthOf(this.clock.now()));
    return { ...(await this.usage.installation()), events_per_month: await this.monthly.installationEvents(month) };
  }
}

function isoSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
