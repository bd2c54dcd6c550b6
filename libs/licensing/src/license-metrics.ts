// The licence's gauges in the API's registry, read from the licence in force when scraped: seconds to its expiry
// (negative once past) and which plan applies.
import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { Clock, MetricsRegistry } from '@conduit/platform';
import { LicenseState } from './license-state';

@Injectable()
export class LicenseMetrics {
  constructor({ registry }: MetricsRegistry, state: LicenseState, clock: Clock) {
    new Gauge({
      name: 'conduit_license_expiry_seconds',
      help: 'Seconds until the licence (or trial) in question expires, negative once past; by the plan in force',
      labelNames: ['plan'] as const,
      registers: [registry],
      collect() {
        this.reset();
        const license = state.current();
        if (!license.expires_at) return;
        this.set({ plan: license.plan }, (license.expires_at.getTime() - clock.now().getTime()) / 1000);
      },
    });
    new Gauge({
      name: 'conduit_license_info',
      help: 'The plan in force (1), with its standing and licence id (empty without a licence)',
      labelNames: ['plan', 'standing', 'license_id'] as const,
      registers: [registry],
      collect() {
        this.reset();
        const license = state.current();
        this.set({ plan: license.plan, standing: license.standing, license_id: license.license?.jti ?? '' }, 1);
      },
    });
  }
}
