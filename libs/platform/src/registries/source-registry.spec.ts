import { Dependent, SourceRegistry } from './source-registry';

interface Source {
  usersOf(id: string): Promise<Dependent[]>;
  beforeDelete?(id: string): Promise<void>;
}

class Users extends SourceRegistry<Source> {
  of(id: string): Promise<Dependent[]> {
    return this.collect((s) => s.usersOf(id));
  }

  beforeDelete(id: string): Promise<void> {
    return this.each((s) => s.beforeDelete?.(id));
  }
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('SourceRegistry', () => {
  it('answers every source in registration order, asking one after the other', async () => {
    const users = new Users();
    const asked: string[] = [];
    let running = 0;
    for (const kind of ['chain', 'case_ingestion']) {
      users.register({
        usersOf: async (id) => {
          running += 1;
          expect(running).toBe(1); // sources share the caller's transaction: never two at once
          asked.push(kind);
          await tick();
          running -= 1;
          return [{ kind, id: `${kind}-1`, name: `uses ${id}` }];
        },
      });
    }
    expect(await users.of('x')).toEqual([
      { kind: 'chain', id: 'chain-1', name: 'uses x' },
      { kind: 'case_ingestion', id: 'case_ingestion-1', name: 'uses x' },
    ]);
    expect(asked).toEqual(['chain', 'case_ingestion']);
  });

  it('answers nothing without a source, and runs a hook only on the sources that have it', async () => {
    const users = new Users();
    expect(await users.of('x')).toEqual([]);
    const deleted: string[] = [];
    users.register({ usersOf: async () => [] });
    users.register({
      usersOf: async () => [],
      beforeDelete: async (id) => {
        deleted.push(id);
      },
    });
    await users.beforeDelete('x');
    expect(deleted).toEqual(['x']);
  });

  it('details a 409 with one entry a user, its kind and name as the message', () => {
    expect(new Users().details([{ kind: 'chain', id: 'c-1', name: 'Triage' }])).toEqual([
      { message: 'chain Triage', kind: 'chain', id: 'c-1', name: 'Triage' },
    ]);
  });
});
