import { Logger } from '@nestjs/common';
import { ControlPlane } from './control-plane.repository';
import { SystemContext } from './system-context';
import type { TenantContext } from './tenant-context';

describe('SystemContext', () => {
  const setup = () => {
    const opened: string[] = [];
    const db = {
      transaction: async <T>(fn: () => Promise<T>) => {
        opened.push('transaction');
        return fn();
      },
    } as unknown as TenantContext;
    const log = vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const debug = vi.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    return { system: new SystemContext(db), opened, log, debug };
  };
  afterEach(() => vi.restoreAllMocks());

  it('runs fn in a transaction with no tenant, hands it the control plane and logs the reason', async () => {
    const { system, opened, log, debug } = setup();
    const seen = await system.run('retention.sweep', async (plane) => plane);
    expect(seen).toBeInstanceOf(ControlPlane);
    expect(opened).toEqual(['transaction']);
    expect(log).toHaveBeenCalledWith({ reason: 'retention.sweep' }, 'system context');
    expect(debug).not.toHaveBeenCalled();
  });

  it('logs routine uses (per request, per reconciler tick) at debug level', async () => {
    const { system, log, debug } = setup();
    await system.run('reconcile.deliveries', async () => undefined, { routine: true });
    expect(debug).toHaveBeenCalledWith({ reason: 'reconcile.deliveries' }, 'system context');
    expect(log).not.toHaveBeenCalled();
  });
});
