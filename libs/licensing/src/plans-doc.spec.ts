// docs/licensing.md's "Plans" table is what operators read; PLANS is what the code enforces. They must agree.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FEATURES, PLANS, QUOTAS, TRIAL_DAYS } from './license-terms';

const DOC = resolve(__dirname, '../../../docs/licensing.md');

/** The rows of the first table under "## Plans", as header -> cell. */
function plansTable(): Record<string, string>[] {
  const text = readFileSync(DOC, 'utf8');
  const section = text.split(/^## /m).find((s) => s.startsWith('Plans\n'));
  if (!section) throw new Error('docs/licensing.md has no "## Plans" section');
  const lines = section.split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const table: string[] = [];
  for (let i = first; i >= 0 && i < lines.length && lines[i].startsWith('|'); i++) table.push(lines[i]);
  const cells = (line: string) =>
    line
      .slice(1, -1)
      .split('|')
      .map((c) => c.trim());
  const [header, , ...rows] = table;
  const names = cells(header);
  return rows.map((row) => Object.fromEntries(cells(row).map((c, i) => [names[i], c])));
}

const number = (cell: string) => (cell === 'unlimited' ? null : Number(cell.replace(/[ _,]/g, '')));
const features = (cell: string) =>
  cell
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);

describe('docs/licensing.md, "Plans"', () => {
  const rows = plansTable();

  it('lists every built-in plan with the quotas and features of PLANS', () => {
    for (const [plan, terms] of Object.entries(PLANS)) {
      const row = rows.find((r) => r.plan === plan);
      expect(row, `a row for ${plan}`).toBeDefined();
      for (const quota of QUOTAS) expect(number(row![quota]), `${plan} ${quota}`).toBe(terms.quotas[quota]);
      expect(features(row!.features).sort()).toEqual([...terms.features].sort());
    }
  });

  it('says how long the trial lasts, and that an enterprise licence brings its own terms', () => {
    expect(rows.find((r) => r.plan === 'trial')?.lasts).toMatch(new RegExp(`^${TRIAL_DAYS} days`));
    const enterprise = rows.find((r) => r.plan === 'enterprise');
    for (const quota of QUOTAS) expect(enterprise?.[quota]).toBe('from the licence');
    expect(enterprise?.features).toBe('from the licence');
    // Only known features are named anywhere in the table.
    for (const row of rows.filter((r) => r.plan !== 'enterprise')) {
      for (const f of features(row.features)) expect(FEATURES).toContain(f);
    }
  });
});
