// Older documents are upgraded on import, one version at a time, by pure steps: each takes a document of version
// `from` (already past the size and key checks, not yet the schema, which is this version's) and returns it as
// version `to`. A change of the format that an older document cannot be read under adds TRANSFER_VERSION + 1 and a
// step here; documents are never rewritten in place (the reader upgrades a copy, and checks the checksum against
// the document as received). Version 1 is the first, so the list is empty today; docs/transfer.md shows the shape of
// a step with the example the unit tests use.
import { TRANSFER_VERSION } from './transfer-document';

export type DocumentObject = Record<string, unknown>;

export interface UpgradeStep {
  from: number;
  /** Greater than `from`; usually from + 1. */
  to: number;
  /** What changed, for the docs and the error when a step fails. */
  description: string;
  /** Pure: may change and return its argument (a copy made for it), must not read anything but it. */
  upgrade(document: DocumentObject): DocumentObject;
}

/** The format's upgrade steps, oldest first. */
export const UPGRADE_STEPS: readonly UpgradeStep[] = [];

/** The steps taking `version` to `target`, in order, or null when there is no way there. */
export function upgradePath(
  version: number,
  steps: readonly UpgradeStep[] = UPGRADE_STEPS,
  target = TRANSFER_VERSION,
): UpgradeStep[] | null {
  const path: UpgradeStep[] = [];
  // Each step goes strictly up and never past the target, so the loop ends.
  for (let at = version; at !== target;) {
    const step = steps.find((s) => s.from === at && s.to > s.from && s.to <= target);
    if (!step) return null;
    path.push(step);
    at = step.to;
  }
  return path;
}

/** The oldest version that can be upgraded to `target` (the target itself when there are no steps). */
export function oldestReadableVersion(
  steps: readonly UpgradeStep[] = UPGRADE_STEPS,
  target = TRANSFER_VERSION,
): number {
  return steps.reduce((oldest, s) => (s.from < oldest && upgradePath(s.from, steps, target) ? s.from : oldest), target);
}

/** Runs the steps on a copy of the document; each result's `version` is set to its step's `to`. */
export function applyUpgrades(document: DocumentObject, path: readonly UpgradeStep[]): DocumentObject {
  let upgraded = structuredClone(document);
  for (const step of path) {
    upgraded = step.upgrade(upgraded);
    upgraded.version = step.to;
  }
  return upgraded;
}
