import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys may hold any role up to their creator's, platform_admin included (platform automation); the service
 * decides who may mint which (ApiKeysService.create). The foundation's column check stopped at mssp_admin.
 * Going down, keys holding platform_admin are revoked and lowered to mssp_admin (FORCE ROW LEVEL SECURITY lifted for
 * that, inside this transaction: an owner that is no superuser would otherwise see no row).
 */
export class ApiKeyRoles1763990000000 implements MigrationInterface {
  name = 'ApiKeyRoles1763990000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
      ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check
        CHECK (role IN ('platform_admin', 'mssp_admin', 'tenant_admin', 'analyst', 'viewer'));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE api_keys NO FORCE ROW LEVEL SECURITY;
      UPDATE api_keys SET role = 'mssp_admin', revoked_at = coalesce(revoked_at, now()) WHERE role = 'platform_admin';
      ALTER TABLE api_keys FORCE ROW LEVEL SECURITY;
      ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
      ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check
        CHECK (role IN ('mssp_admin', 'tenant_admin', 'analyst', 'viewer'));
    `);
  }
}
