export const ROLES = ['platform_admin', 'mssp_admin', 'tenant_admin', 'analyst', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { viewer: 1, analyst: 2, tenant_admin: 3, mssp_admin: 4, platform_admin: 5 };

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when `role` carries at least the authority of `minimum`. */
export function roleAtLeast(role: Role, minimum: Role): boolean {
  return RANK[role] >= RANK[minimum];
}
