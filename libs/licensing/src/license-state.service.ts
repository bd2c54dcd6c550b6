// The licence in force on this process. Every LICENSE_REFRESH_MS it reads the control plane (one statement: the
// installation's row and the active licence), so a licence installed through any process is in force on every process
// within a few seconds; in between, current() answers from memory. The installed token is verified again when a
// process first loads it: the control plane alone cannot make a licence.
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DatabaseAvailability, SystemContext } from '@conduit/database';
import { Clock, ConduitConfig, IdGenerator, InjectConfig, InvariantError } from '@conduit/platform';
import { computeEffectiveLicense } from './license-plan';
import { LicenseState } from './license-state';
import { EffectiveLicense, LicenseClaims, PLANS } from './license-terms';
import { LicenseVerifier } from './license-verifier';
import {
  ActiveLicenseRow,
  InstallationRepository,
  InstallationRow,
  LicenseSnapshot,
} from './repositories/installation.repository';

/** How stale latest_seen_at may be before a process moves it forward (a write every poll would be waste). */
export const OBSERVE_EVERY_MS = 60_000;

/** The active licence as loaded: its row, and its claims when its token verified. */
export interface LoadedLicense {
  row: ActiveLicenseRow;
  claims: LicenseClaims | null;
  kid: string | null;
}

interface Loaded {
  installation: InstallationRow;
  license: LoadedLicense | null;
}

@Injectable()
export class LicenseStateService extends LicenseState implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Licensing');
  private loaded: Loaded | null = null;
  private memo: { at: number; loaded: Loaded; value: EffectiveLicense } | null = null;
  private timer: NodeJS.Timeout | undefined;
  private pending: Promise<void> | undefined;

  constructor(
    private readonly system: SystemContext,
    private readonly installations: InstallationRepository,
    private readonly verifier: LicenseVerifier,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly availability: DatabaseAvailability,
    @InjectConfig() private readonly config: ConduitConfig,
  ) {
    super();
  }

  /**
   * What is in force now (synchronous: from the last load, with the clock read now). Before the first load succeeded
   * (the database was away at start) it is community: nothing new is granted on a guess.
   */
  current(): EffectiveLicense {
    const loaded = this.loaded;
    if (!loaded) return provisional(this.clock.now());
    const now = this.clock.now();
    const memo = this.memo;
    // Recomputed at most once a second per process, and whenever what was loaded changed or the clock went back.
    if (memo && memo.loaded === loaded && now.getTime() >= memo.at && now.getTime() - memo.at < 1000) {
      return memo.value;
    }
    const value = computeEffectiveLicense({
      installation: loaded.installation,
      license: loaded.license?.claims ?? null,
      now,
    });
    this.memo = { at: now.getTime(), loaded, value };
    return value;
  }

  /** The active licence's row and key as last loaded (who installed it, when), or null. */
  activeLicense(): LoadedLicense | null {
    return this.loaded?.license ?? null;
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      await this.refresh();
    } catch (err) {
      this.report(err);
    }
    this.timer = setInterval(() => this.tick(), this.config.LICENSE_REFRESH_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.pending?.catch(() => undefined);
  }

  /**
   * Loads the licence in force from the control plane now. A call while a load is running runs another after it, so
   * whatever committed before the call is seen when it resolves (an install's own process adopts it at once).
   */
  refresh(): Promise<void> {
    const previous = this.pending ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.load());
    this.pending = next;
    void next
      .finally(() => {
        if (this.pending === next) this.pending = undefined;
      })
      .catch(() => undefined);
    return next;
  }

  private tick(): void {
    if (this.pending) return;
    this.refresh().catch((err: unknown) => this.report(err));
  }

  private report(err: unknown): void {
    // A database outage is logged once by DatabaseAvailability, not with every poll that met it.
    if (!this.availability.notice(err)) {
      this.logger.warn({ err: (err as Error).message }, 'loading the licence in force failed; retrying');
    }
  }

  private async load(): Promise<void> {
    const now = this.clock.now();
    const snapshot = (await this.read()) ?? (await this.firstStart(now));
    const license = await this.licenseOf(snapshot);
    const installation = { ...snapshot.installation };
    if (now.getTime() - installation.latest_seen_at.getTime() >= OBSERVE_EVERY_MS) {
      await this.system.run('licensing.observe_clock', () => this.installations.observe(now), { routine: true });
      installation.latest_seen_at = now;
    }
    this.loaded = { installation, license };
  }

  private read(): Promise<LicenseSnapshot | null> {
    return this.system.run('licensing.refresh', () => this.installations.snapshot(), { routine: true });
  }

  /** The installation's first process creates its row: its id, and the trial's start. */
  private async firstStart(now: Date): Promise<LicenseSnapshot> {
    const snapshot = await this.system.run('licensing.first_start', async () => {
      await this.installations.ensure(this.ids.next(), now);
      return this.installations.snapshot();
    });
    if (!snapshot)
      throw new InvariantError('conflicting_row_missing', 'the installation row is missing right after it was created');
    return snapshot;
  }

  /** The active licence, verified again only when it is another row than the one loaded before. */
  private async licenseOf(snapshot: LicenseSnapshot): Promise<LoadedLicense | null> {
    const row = snapshot.license;
    if (!row) return null;
    const before = this.loaded?.license;
    if (before && before.row.id === row.id) return before;
    try {
      const { claims, kid } = await this.verifier.authenticate(row.token);
      return { row, claims, kid };
    } catch (err) {
      // The keys configured no longer include the one it was signed with, or the row was altered: not in force.
      this.logger.error(
        { license_row_id: row.id, err: (err as Error).message },
        'the installed licence does not verify with the keys configured; it is not in force',
      );
      return { row, claims: null, kid: null };
    }
  }
}

/** Community on a fresh process that could not read the control plane yet. */
function provisional(now: Date): EffectiveLicense {
  return {
    plan: 'community',
    standing: 'none',
    license: null,
    installation_id: '',
    expires_at: null,
    grace_ends_at: null,
    latest_seen_at: now,
    ...PLANS.community,
  };
}
