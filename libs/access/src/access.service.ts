import { Injectable } from '@nestjs/common';
import { subject as asSubject } from '@casl/ability';
import { ClsService } from 'nestjs-cls';
import { ConduitException } from '@conduit/platform';
import { ConduitAbility, buildAbility } from './ability.factory';
import { scopeAllows } from './api-key-scopes';
import { IDENTITY_KEY, Principal, RequestIdentity, TenantRef } from './principal';
import type { Action, Subject, SubjectFields } from './subjects';

export type AccessErrorCode = 'unauthenticated' | 'forbidden' | 'not_found';

export class AccessException extends ConduitException<AccessErrorCode> {}

const ABILITY_KEY = 'conduit_ability';

/** The request's identity and permission checks, for services that need object-level decisions. */
@Injectable()
export class AccessService {
  constructor(private readonly cls: ClsService) {}

  identity(): RequestIdentity {
    const identity = this.cls.isActive() ? this.cls.get<RequestIdentity | undefined>(IDENTITY_KEY) : undefined;
    if (!identity) throw new AccessException('unauthenticated', 401, 'Authentication required');
    return identity;
  }

  maybeIdentity(): RequestIdentity | undefined {
    return this.cls.isActive() ? this.cls.get<RequestIdentity | undefined>(IDENTITY_KEY) : undefined;
  }

  setIdentity(identity: RequestIdentity): void {
    this.cls.set(IDENTITY_KEY, identity);
    this.cls.set(ABILITY_KEY, undefined);
  }

  /** Switches the rest of the request to another tenant the caller may act in (already checked by TenantScope). */
  actIn(tenant: TenantRef): void {
    this.setIdentity({ principal: this.principal(), tenant });
  }

  principal(): Principal {
    return this.identity().principal;
  }

  tenant(): TenantRef {
    return this.identity().tenant;
  }

  ability(): ConduitAbility {
    let ability = this.cls.get<ConduitAbility | undefined>(ABILITY_KEY);
    if (!ability) {
      const { principal, tenant } = this.identity();
      ability = buildAbility(principal, tenant.id);
      this.cls.set(ABILITY_KEY, ability);
    }
    return ability;
  }

  can(action: Action, subject: Subject, fields?: SubjectFields): boolean {
    const { principal } = this.identity();
    if (!scopeAllows(principal.scopes, action, subject)) return false;
    const target = fields ? asSubject(subject, { ...fields }) : subject;
    return this.ability().can(action, target as never);
  }

  /** Throws 403 (or 404 when even reading is not allowed, so existence does not leak). */
  assert(action: Action, subject: Subject, fields?: SubjectFields, notFoundCode = 'not_found'): void {
    if (this.can(action, subject, fields)) return;
    if (action !== 'read' && fields && this.can('read', subject, fields)) {
      throw new AccessException('forbidden', 403, `You may not ${action} this ${subject}`);
    }
    if (!fields) throw new AccessException('forbidden', 403, `You may not ${action} ${subject}`);
    throw new ConduitException(notFoundCode, 404, `${subject} not found`);
  }
}
