import { TRANSFER_VERSION } from './transfer-document';
import { UPGRADE_STEPS, UpgradeStep, applyUpgrades, oldestReadableVersion, upgradePath } from './upgrade';

const step = (from: number, to: number, mark = `${from}->${to}`): UpgradeStep => ({
  from,
  to,
  description: mark,
  upgrade: (doc) => ({ ...doc, marks: [...((doc.marks as string[] | undefined) ?? []), mark] }),
});

describe('upgrade steps', () => {
  it('have none today: version 1 is the first, and the only one read', () => {
    expect(TRANSFER_VERSION).toBe(1);
    expect(UPGRADE_STEPS).toEqual([]);
    expect(upgradePath(1)).toEqual([]);
    expect(upgradePath(0)).toBeNull();
    expect(oldestReadableVersion()).toBe(1);
  });

  it('chain from a version to the target in order, and only through steps going up', () => {
    const steps = [step(1, 2), step(-1, 0), step(0, 1), step(2, 2), step(3, 1)];
    expect(upgradePath(-1, steps, 2)?.map((s) => s.description)).toEqual(['-1->0', '0->1', '1->2']);
    expect(upgradePath(2, steps, 2)).toEqual([]);
    expect(upgradePath(3, steps, 2)).toBeNull();
    expect(upgradePath(-2, steps, 2)).toBeNull();
    expect(upgradePath(0, [step(0, 3)], 2)).toBeNull();
    expect(oldestReadableVersion(steps, 2)).toBe(-1);
    expect(oldestReadableVersion([step(-5, -4), step(0, 1)], 1)).toBe(0);
  });

  it('run on a copy, each setting the version it reached', () => {
    const original = { version: 0, nested: { a: 1 } };
    const steps = [
      step(0, 1),
      {
        ...step(1, 2),
        upgrade: (doc: Record<string, unknown>) => {
          (doc.nested as { a: number }).a = 2;
          return doc;
        },
      },
    ];
    expect(applyUpgrades(original, steps)).toEqual({ version: 2, nested: { a: 2 }, marks: ['0->1'] });
    expect(original).toEqual({ version: 0, nested: { a: 1 } });
  });
});
