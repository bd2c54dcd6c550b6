import type { DataSource } from 'typeorm';
import type { ConduitConfig } from '@conduit/platform';
import { TenantDatabaseUnavailableError } from './sql-errors';
import type { TenantDatabases } from './tenant-databases';
import { TenantMoves, TenantMovesMode, TenantMovingError } from './tenant-moves';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';

function moves(mode: TenantMovesMode) {
  let moving: string[] = [];
  const events: string[] = [];
  const core = { query: async () => moving.map((id) => ({ id })) } as unknown as DataSource;
  const databases = {
    refresh: async () => {
      events.push('refresh');
    },
  } as unknown as TenantDatabases;
  const config = { DEDICATED_DATABASE_HOSTS: [] } as unknown as ConduitConfig;
  const subject = new TenantMoves(core, config, databases, mode);
  return {
    subject,
    events,
    set: (ids: string[]) => (moving = ids),
  };
}

describe('TenantMoves', () => {
  it('admits every tenant with nothing to wait for while none moves', async () => {
    const { subject } = moves('refuse');
    await subject.reload();
    expect(subject.admit(A)).toBeUndefined();
  });

  it('refuses a moving tenant only (an outage of that tenant for jobs and watches), and admits it after', async () => {
    const { subject, set } = moves('refuse');
    set([A]);
    await subject.reload();
    expect(() => subject.admit(A)).toThrow(TenantMovingError);
    expect(() => subject.admit(A)).toThrow(TenantDatabaseUnavailableError);
    expect(subject.admit(B)).toBeUndefined();
    set([]);
    await subject.reload();
    expect(subject.admit(A)).toBeUndefined();
  });

  it('in a waiting process, lets the work through once the pause ended and the dedicated tenants were re-read', async () => {
    const { subject, set, events } = moves('wait');
    set([A]);
    await subject.reload();
    // Inside an open transaction the caller never waits.
    expect(() => subject.admit(A, false)).toThrow(TenantMovingError);
    const waiting = subject.admit(A)?.then(() => events.push('admitted'));
    expect(waiting).toBeInstanceOf(Promise);
    set([]);
    await subject.reload();
    await waiting;
    expect(events).toEqual(['refresh', 'refresh', 'admitted']);
  });
});
