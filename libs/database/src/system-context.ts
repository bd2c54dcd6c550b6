// The one way to work outside a tenant: a transaction with no tenant set, where only the control plane (tenants,
// users, memberships; licences next) is visible, and RLS hides every tenant's rows. Every use names its reason and is
// logged; an operator's action also writes its audit_events row, as its caller knows what it changed.
import { Injectable, Logger, Optional } from '@nestjs/common';
import { ControlPlane } from './control-plane.repository';
import { TenantContext } from './tenant-context';
import { TenantDatabases } from './tenant-databases';

export interface SystemUseOptions {
  /**
   * A use that comes with every request or reconciler tick (finding a tenant by code, which tenants have due work):
   * logged at debug level. Anything else (sweeps, operator commands) is logged at info level.
   */
  routine?: boolean;
}

@Injectable()
export class SystemContext {
  private readonly logger = new Logger('SystemContext');
  private readonly plane: ControlPlane;

  constructor(
    private readonly db: TenantContext,
    @Optional() databases?: TenantDatabases,
  ) {
    this.plane = new ControlPlane(db, databases);
  }

  /**
   * Runs fn in a transaction with no tenant set (inside one already open, in that one: a tenant set there stays set).
   * `reason` says who needs the control plane and why, as a dotted name ('retention.sweep', 'operator.create_tenant').
   */
  run<T>(reason: string, fn: (plane: ControlPlane) => Promise<T>, options: SystemUseOptions = {}): Promise<T> {
    if (options.routine) this.logger.debug({ reason }, 'system context');
    else this.logger.log({ reason }, 'system context');
    return this.db.transaction(() => fn(this.plane));
  }
}
