// The shape of a licence's claims, checked strictly: whatever a licence grants must be something this release knows
// (an unknown feature or quota, a claim it does not understand, is refused rather than ignored).
import { z } from 'zod';
import { ErrorDetail, formatInputPath } from '@conduit/platform';
import { FEATURES, Feature, LicenseClaims, QUOTAS, QuotaLimits } from './license-terms';
import { LicensingException } from './licensing.exception';

/** The longest grace period a licence may give after its exp. */
export const MAX_GRACE_DAYS = 365;

/** Seconds since the epoch, up to the end of the year 9999 (what a Date and an ISO timestamp can still say). */
const numericDate = z
  .number()
  .int('must be whole seconds since the epoch')
  .positive('must be a positive NumericDate')
  .max(253_402_300_799, 'must be before the year 10000');
const quotaLimit = z.union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.null()], {
  error: 'must be a whole number >= 0, or null (unlimited)',
});
const quotasSchema = z.strictObject(
  Object.fromEntries(QUOTAS.map((q) => [q, quotaLimit])) as Record<(typeof QUOTAS)[number], typeof quotaLimit>,
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown quota: ${issue.keys.join(', ')}` : undefined) },
);
const featureSchema = z.string().refine((f): f is Feature => (FEATURES as readonly string[]).includes(f), {
  error: (issue) => `unknown feature ${JSON.stringify(issue.input)} (known: ${FEATURES.join(', ')})`,
});

const claimsSchema = z
  .strictObject({
    jti: z.string().trim().min(1, 'must not be empty').max(128),
    sub: z.string().trim().min(1, 'must not be empty').max(200),
    type: z.literal('enterprise', { error: 'must be "enterprise"' }),
    iat: numericDate,
    nbf: numericDate,
    exp: numericDate,
    grace_days: z.number().int('must be whole days').min(0).max(MAX_GRACE_DAYS),
    quotas: quotasSchema,
    features: z.array(featureSchema).refine((list) => new Set(list).size === list.length, 'lists a feature twice'),
    installation_id: z.uuid('must be a UUID (this installation id, as GET /api/v1/license shows it)').optional(),
  })
  .refine((c) => c.exp > c.nbf, { path: ['exp'], message: 'must be later than nbf' });

/** Problems with a claims object, one per field, as error details (empty: fine). */
export function claimsProblems(payload: unknown): ErrorDetail[] {
  const result = claimsSchema.safeParse(payload);
  if (result.success) return [];
  return result.error.issues.map((issue) => {
    const path = formatInputPath(issue.path.filter((k): k is string | number => typeof k !== 'symbol'));
    // A claim this release does not know: named by the issue itself, at the top level.
    if (issue.code === 'unrecognized_keys') {
      const at = path ? `${path}.` : '';
      return { field: issue.keys.map((k) => `${at}${k}`).join(', '), message: issue.message };
    }
    return { field: path || 'claims', message: issue.message };
  });
}

/** The claims of a verified payload, or license_malformed naming every problem. */
export function parseClaims(payload: unknown): LicenseClaims {
  const problems = claimsProblems(payload);
  if (problems.length > 0) {
    throw new LicensingException('license_malformed', 'The licence claims are not valid', problems);
  }
  const c = claimsSchema.parse(payload);
  return {
    jti: c.jti,
    sub: c.sub,
    type: c.type,
    iat: c.iat,
    nbf: c.nbf,
    exp: c.exp,
    grace_days: c.grace_days,
    quotas: c.quotas as QuotaLimits,
    features: c.features as Feature[],
    ...(c.installation_id ? { installation_id: c.installation_id } : {}),
  };
}
