import { Chains1763930000000 } from './1763930000000-chains';
import { AnalyticsIndexes1763970000000 } from './1763970000000-analytics-indexes';
import { CredentialAllowedHosts1764410000000 } from './1764410000000-credential-allowed-hosts';
import { TaskSteps1764420000000 } from './1764420000000-task-steps';

/**
 * Chains' tables, in order (declared on ChainsModule). AnalyticsIndexes also replaced two indexes of webhooks' delivery
 * attempts: chains depend on webhooks, so its tables are there first.
 */
export const CHAINS_MIGRATIONS = [
  Chains1763930000000,
  AnalyticsIndexes1763970000000,
  CredentialAllowedHosts1764410000000,
  TaskSteps1764420000000,
];
