// The SQL over licenses: every licence installed, the active one marked (a partial unique index keeps it to one). The
// token is kept whole (it is what a process verifies again when it loads the licence); it is no secret, but nothing
// logs it. In the caller's transaction, a SystemContext.run() one holding the installation row.
import { Injectable } from '@nestjs/common';
import { TenantContext } from '@conduit/database';

export interface NewLicense {
  id: string;
  license_id: string;
  licensee: string;
  kid: string;
  token: string;
  claims: Record<string, unknown>;
  issued_at: Date;
  not_before: Date;
  expires_at: Date;
  grace_days: number;
  installed_at: Date;
  /** the user who installed it through the API; null from the CLI */
  installed_by_user_id: string | null;
  /** who: the user's email, or "cli" */
  installed_by: string;
  installed_via: 'api' | 'cli';
}

@Injectable()
export class LicensesRepository {
  constructor(private readonly db: TenantContext) {}

  /** Makes `license` the active licence; the one active before stays in the history, replaced now. */
  async replaceActive(license: NewLicense): Promise<void> {
    await this.db.coreEm.query(`UPDATE licenses SET active = false, replaced_at = $1 WHERE active`, [
      license.installed_at,
    ]);
    await this.db.coreEm.query(
      `INSERT INTO licenses (id, license_id, licensee, kid, token, claims, issued_at, not_before, expires_at, grace_days,
                             installed_at, installed_by_user_id, installed_by, installed_via, active)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, true)`,
      [
        license.id,
        license.license_id,
        license.licensee,
        license.kid,
        license.token,
        JSON.stringify(license.claims),
        license.issued_at,
        license.not_before,
        license.expires_at,
        license.grace_days,
        license.installed_at,
        license.installed_by_user_id,
        license.installed_by,
        license.installed_via,
      ],
    );
  }
}
