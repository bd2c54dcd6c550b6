import { BlockedTargetLog } from './blocked-target-log';

describe('BlockedTargetLog', () => {
  it('logs a host once, whatever its case', () => {
    const lines: string[] = [];
    const log = new BlockedTargetLog((line) => lines.push(line));

    log.note('Hooks.Example.test', 'refused a');
    log.note('hooks.example.test', 'refused b');

    expect(lines).toEqual(['refused a (logged once per host)']);
  });

  it('remembers a bounded number of hosts, forgetting the oldest first', () => {
    const lines: string[] = [];
    const log = new BlockedTargetLog((line) => lines.push(line), 2);

    for (const host of ['a', 'b', 'a', 'c', 'b', 'a']) log.note(host, host);

    // a, b logged; a remembered; c evicts a; b remembered; a logged again (it was forgotten).
    expect(lines.map((l) => l[0])).toEqual(['a', 'b', 'c', 'a']);
  });
});
