import type { TenantId } from '@conduit/platform';
import type { Role } from './roles';

/** Who is calling, after authentication. Stored in CLS for the rest of the request. */
export interface Principal {
  /** system: an operator's command (npm run cli), acting with the role given, audited as actor type system */
  kind: 'user' | 'api_key' | 'system';
  /** user id, or api key id (a system principal's is the nil UUID) */
  id: string;
  /** email, or api key name: for audit trails */
  label: string;
  userId: string | null;
  homeTenantId: TenantId;
  role: Role;
  /** API keys only: null means the role's full authority */
  scopes: string[] | null;
  tokenId?: string;
  sessionId?: string;
  tokenExpiresAt?: Date;
}

export interface TenantRef {
  id: TenantId;
  code: string;
  name: string;
  status: 'active' | 'inactive' | 'suspended';
  parent_id: string | null;
}

export interface RequestIdentity {
  principal: Principal;
  /** the tenant this request acts in (home, or one below it via X-Tenant-Id) */
  tenant: TenantRef;
}

// No dot in CLS keys: nestjs-cls reads one as a path into an object that child contexts share with their parent.
export const IDENTITY_KEY = 'conduit_identity';
