// The answer of GET and PUT /api/v1/license (and `license:status`), from the licence in force.
import type { LicenseResponse } from './dto/license.dto';
import { daysLeft } from './license-plan';
import { EffectiveLicense, Quota } from './license-terms';

export interface PresentedInstall {
  installed_at: Date;
  installed_by: string;
  kid: string | null;
  /** false: the installed token does not verify with the keys configured (so it is not in force) */
  verified: boolean;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
const day = (d: Date) => d.toISOString().slice(0, 10);

export function presentLicense(
  effective: EffectiveLicense,
  installed: PresentedInstall | null,
  usage: Partial<Record<Quota, number>> | null,
  now: Date,
): LicenseResponse {
  const claims = effective.license;
  const quota = (q: Quota) => ({ limit: effective.quotas[q], used: usage?.[q] ?? null });
  const quotas: LicenseResponse['quotas'] = {
    tenants: quota('tenants'),
    users: quota('users'),
    integrations: quota('integrations'),
    instances: quota('instances'),
    events_per_month: quota('events_per_month'),
  };
  return {
    plan: effective.plan,
    standing: effective.standing,
    installation_id: effective.installation_id,
    license_id: claims?.jti ?? null,
    licensee: claims?.sub ?? null,
    key_id: installed?.kid ?? null,
    issued_at: claims ? new Date(claims.iat * 1000).toISOString() : null,
    expires_at: iso(effective.expires_at),
    days_left: daysLeft(effective.expires_at, now),
    grace_days: claims?.grace_days ?? null,
    grace_ends_at: iso(effective.grace_ends_at),
    grace_days_left: daysLeft(effective.grace_ends_at, now),
    in_grace: effective.standing === 'grace',
    license_installation_id: claims?.installation_id ?? null,
    installed_at: iso(installed?.installed_at),
    installed_by: installed?.installed_by ?? null,
    latest_seen_at: effective.latest_seen_at.toISOString(),
    clock_rollback: effective.standing === 'clock_rollback',
    quotas,
    features: [...effective.features],
    notice: noticeOf(effective, installed, now),
  };
}

/** One sentence for an administrator, where something needs saying. */
function noticeOf(effective: EffectiveLicense, installed: PresentedInstall | null, now: Date): string | null {
  const left = daysLeft(effective.expires_at, now);
  const expires = effective.expires_at;
  if (installed && !installed.verified) {
    return (
      'The installed licence does not verify with the keys configured (CONDUIT_LICENSE_PUBLIC_KEYS): it is not in ' +
      'force.'
    );
  }
  switch (effective.standing) {
    case 'clock_rollback':
      return (
        `The system clock (${now.toISOString()}) is more than a day behind the latest time this installation has seen ` +
        `(${effective.latest_seen_at.toISOString()}): the community plan applies until the clock is corrected.`
      );
    case 'lapsed':
      return (
        `The licence expired on ${day(expires as Date)} and its grace period ended on ` +
        `${day(effective.grace_ends_at as Date)}: the community plan applies. Install a renewed licence.`
      );
    case 'grace':
      return (
        `The licence expired on ${day(expires as Date)}; its grace period ends in ` +
        `${daysLeft(effective.grace_ends_at, now)} days, then the community plan applies. Install a renewed licence.`
      );
    case 'active':
      return left !== null && left <= 30 ? `The licence expires in ${left} days.` : null;
    case 'none':
      if (effective.plan === 'trial') return `Trial: ${left} days left, then the community plan applies.`;
      return expires
        ? `The trial ended on ${day(expires)}: the community plan applies. Install a licence to lift its limits.`
        : null;
  }
}
