// Readiness while Redis is away: the API still accepts work (rows in PostgreSQL; the reconcilers queue it once Redis is
// back), so a load balancer should keep sending traffic. Only the database, without which nothing is accepted, fails
// it.
import { ServiceUnavailableException } from '@nestjs/common';
import type { HealthCheckResult } from '@nestjs/terminus';

export type DegradedReadiness = Omit<HealthCheckResult, 'status'> & { status: 'degraded' };

/** The answer (200) for a failed readiness check whose only failed indicator is Redis; null when it must stay a 503. */
export function degradedReadiness(err: unknown): DegradedReadiness | null {
  if (!(err instanceof ServiceUnavailableException)) return null;
  const result = err.getResponse() as Partial<HealthCheckResult>;
  if (result.status !== 'error' || !result.error) return null;
  const failed = Object.keys(result.error);
  if (failed.length !== 1 || failed[0] !== 'redis') return null;
  return { status: 'degraded', info: result.info, error: result.error, details: result.details ?? {} };
}
