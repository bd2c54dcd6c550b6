// What a licence grants: its plans, quotas and features. The numbers of each plan are documented in
// docs/licensing.md ("Plans"); a test compares that table with PLANS below.

/** Features a route or a domain can require (a licence's `features` claim; a plan's set). */
export const FEATURES = ['mssp', 'saml', 'export_import', 'case_ingestion', 'dedicated_databases'] as const;
export type Feature = (typeof FEATURES)[number];

/** What a licence counts (its `quotas` claim). events_per_month is reported, never enforced (no event is dropped). */
export const QUOTAS = ['tenants', 'users', 'integrations', 'instances', 'events_per_month'] as const;
export type Quota = (typeof QUOTAS)[number];

/** A quota's limit; null: unlimited. */
export type QuotaLimits = Record<Quota, number | null>;

export type PlanName = 'trial' | 'enterprise' | 'community';

/** The built-in plans (an enterprise licence brings its own quotas and features). */
export const TRIAL_DAYS = 30;
export const PLANS: Record<Exclude<PlanName, 'enterprise'>, { quotas: QuotaLimits; features: readonly Feature[] }> = {
  trial: {
    quotas: { tenants: 10, users: 25, integrations: 10, instances: 20, events_per_month: 1_000_000 },
    features: FEATURES,
  },
  community: {
    quotas: { tenants: 3, users: 10, integrations: 5, instances: 10, events_per_month: 100_000 },
    features: ['export_import', 'case_ingestion'],
  },
};

/** Where an enterprise licence stands against the clock. */
export type LicenseStanding =
  /** no enterprise licence installed: trial or community by the installation's age */
  | 'none'
  | 'active'
  /** past exp, within grace_days: still enterprise */
  | 'grace'
  /** past exp + grace_days: community */
  | 'lapsed'
  /** the clock is more than a day behind the latest time seen: treated as past expiry until corrected */
  | 'clock_rollback';

/** The verified claims of an installed licence. */
export interface LicenseClaims {
  /** licence id */
  jti: string;
  /** licensee */
  sub: string;
  type: 'enterprise';
  iat: number;
  nbf: number;
  exp: number;
  grace_days: number;
  quotas: QuotaLimits;
  features: Feature[];
  installation_id?: string;
}

/**
 * What is in force now, on this process: the one answer every check reads (LicenseState.current()). Recomputed from
 * the control plane and the clock; a licence installed on any process is in force on every process within 5 s.
 */
export interface EffectiveLicense {
  plan: PlanName;
  standing: LicenseStanding;
  /** the installed licence's claims (also when lapsed or rolled back: what the answer shows), null if none */
  license: LicenseClaims | null;
  /** this installation's id (a licence with installation_id installs only here) */
  installation_id: string;
  /**
   * The end of the grant that is, or was last, in force: the trial's end (also once community follows it), the
   * licence's exp (also in grace, lapsed or rolled back). null only where none ever applied.
   */
  expires_at: Date | null;
  /** the end of the grace period of an enterprise licence, else null */
  grace_ends_at: Date | null;
  /** the latest time any process of this installation has seen (the clock-rollback guard's reference) */
  latest_seen_at: Date;
  quotas: QuotaLimits;
  features: readonly Feature[];
}

/** A clock this far behind latest_seen_at is taken as rolled back (standing 'clock_rollback'). */
export const CLOCK_ROLLBACK_TOLERANCE_MS = 24 * 3600 * 1000;
