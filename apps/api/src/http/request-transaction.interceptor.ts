// Runs each authenticated request in one tenant-scoped transaction and audits mutations.
// A success is audited inside that transaction (the change and its audit row commit together);
// a failure rolls back and is audited in a transaction of its own. Routes marked @OwnTransactions() open their own
// transactions, and are audited in one of their own, unless their handler writes the success row with its change
// (@AuditedInHandler).
import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { Observable, from, lastValueFrom } from 'rxjs';
import { AccessService, RequestIdentity } from '@conduit/access';
import { AUDIT_ACTION, AuditLog, AuditSpec, requestAuditEntry } from '@conduit/audit';
import { OWN_TRANSACTIONS, TenantContext } from '@conduit/database';
import { mapError } from './error-mapping';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The status the request is answered with (the exception filter maps it the same way). */
function statusOf(err: unknown): number {
  return mapError(err, null).status;
}

@Injectable()
export class RequestTransactionInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly access: AccessService,
    private readonly db: TenantContext,
    private readonly audit: AuditLog,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const identity = this.access.maybeIdentity();
    if (!identity) return next.handle();
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const spec = this.reflector.get<AuditSpec | false | undefined>(AUDIT_ACTION, context.getHandler());
    const audited = !READ_METHODS.has(req.method) && spec !== false;
    const successStatus =
      this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ??
      (req.method === 'POST' ? 201 : 200);
    const ownTransactions = this.reflector.get<boolean | undefined>(OWN_TRANSACTIONS, context.getHandler()) === true;
    const handle = async () => {
      const result: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
      if (audited && !spec?.successInHandler) await this.record(identity, req, spec, successStatus, result);
      return result;
    };
    const run = async () => {
      try {
        return await (ownTransactions ? handle() : this.db.runInTenant(identity.tenant.id, handle));
      } catch (err) {
        if (audited) await this.record(identity, req, spec, statusOf(err), undefined).catch(() => undefined);
        throw err;
      }
    };
    return from(run());
  }

  private async record(
    requestIdentity: RequestIdentity,
    req: FastifyRequest,
    spec: AuditSpec | undefined,
    status: number,
    result: unknown,
  ) {
    // The tenant the request ended up acting in: a seed body's tenant_id moves it below the caller's (actIn).
    const identity = this.access.maybeIdentity() ?? requestIdentity;
    const params = (req.params ?? {}) as Record<string, string>;
    const resultId =
      typeof result === 'object' && result !== null && 'id' in result
        ? String((result as { id: unknown }).id)
        : undefined;
    await this.audit.record(requestAuditEntry(identity, req, spec, status, resultId ?? params.id ?? null));
  }
}
