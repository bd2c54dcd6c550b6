// TenantId is a compile-time guard: `npm run typecheck` checks the @ts-expect-error lines below (a plain string must
// not be accepted where a TenantId is wanted); at run time it is the same string.
import type { TenantContext } from '@conduit/database';
import { TenantId, asTenantId } from './tenant-id';

function scoped(tenantId: TenantId): string {
  return tenantId;
}

describe('TenantId', () => {
  it('is the id itself at run time, and a plain string does not type-check where one is wanted', () => {
    const id = '0193a6b2-7c1d-7e4f-9a55-3b2f6c1d2e31';
    // @ts-expect-error a plain string is not a TenantId
    expect(scoped(id)).toBe(id);
    expect(scoped(asTenantId(id))).toBe(id);
  });

  it('is what scoping a transaction takes (and so every tenant-scoped repository method)', () => {
    const scope = (db: TenantContext, tenantId: string) =>
      // @ts-expect-error a path parameter or body field cannot scope a transaction
      db.runInTenant(tenantId, async () => undefined);
    expect(typeof scope).toBe('function');
  });
});
