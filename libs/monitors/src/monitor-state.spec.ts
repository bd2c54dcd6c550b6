import { MonitorState, applyCheck } from './monitor-state';

const run = (start: MonitorState, outcomes: boolean[], threshold = 3) => {
  let state = start;
  const events: string[] = [];
  for (const ok of outcomes) {
    const next = applyCheck(state, ok, threshold);
    if (next.event) events.push(next.event);
    state = { status: next.status, consecutive_failures: next.consecutive_failures };
  }
  return { state, events };
};

describe('applyCheck', () => {
  const unknown: MonitorState = { status: 'unknown', consecutive_failures: 0 };

  it('goes up on a success, publishing nothing from unknown or up', () => {
    expect(run(unknown, [true, true])).toEqual({ state: { status: 'up', consecutive_failures: 0 }, events: [] });
  });

  it('goes down once at the threshold, then stays down without publishing again', () => {
    const { state, events } = run(unknown, [true, false, false, false, false, false]);
    expect(state).toEqual({ status: 'down', consecutive_failures: 5 });
    expect(events).toEqual(['monitor.down']);
  });

  it('keeps its status below the threshold and resets the count on a success', () => {
    expect(run(unknown, [true, false, false, true, false, false]).state).toEqual({
      status: 'up',
      consecutive_failures: 2,
    });
    expect(run(unknown, [false]).state).toEqual({ status: 'unknown', consecutive_failures: 1 });
  });

  it('publishes up once on the first success after a down', () => {
    expect(run(unknown, [false, false, false, true, true, false, false, false, true]).events).toEqual([
      'monitor.down',
      'monitor.up',
      'monitor.down',
      'monitor.up',
    ]);
  });

  it('with a threshold of 1, the first failure is a down', () => {
    expect(run(unknown, [false], 1).events).toEqual(['monitor.down']);
  });
});
