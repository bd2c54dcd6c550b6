// Runs each authenticated request in one tenant-scoped transaction and audits mutations.
// A success is audited inside that transaction (the change and its audit row commit together);
// a failure rolls back and is audited in a transaction of its own. Routes marked @OwnTransactions() open their own
// transactions, and are audited in one of their own, unless their handler writes the success row with its change
// (@AuditedInHandler).
//
// It wraps each route handler itself (bindRequestTransactions, before Nest registers the routes) rather than being a
// Nest interceptor: Nest runs every interceptor through an rxjs pipeline (defer, mergeAll, an AsyncResource per call),
// which cost more per request than everything this does. Guards run before the handler as before, so the identity is
// known; the exception filter still sees every error.
import { INestApplication, Injectable, Type } from '@nestjs/common';
import { HTTP_CODE_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AccessService, RequestIdentity } from '@conduit/access';
import { AUDIT_ACTION, AuditLog, AuditSpec, requestAuditEntry } from '@conduit/audit';
import { OWN_TRANSACTIONS, TenantContext } from '@conduit/database';
import { mapError } from './error-mapping';
import { currentRequestScope } from './request-scope';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const ROUTE = Symbol('conduit.requestTransaction');

/** Whether a route handler runs in its request's transaction (bindRequestTransactions wrapped it). */
export function runsInRequestTransaction(handler: unknown): boolean {
  return typeof handler === 'function' && ROUTE in handler;
}

/** Called by the last guard once it lets the request through: the route's handler (wrapped) is about to run. */
export function guardsPassed(handler: unknown): void {
  const route = (handler as { [ROUTE]?: RouteTransaction } | undefined)?.[ROUTE];
  const scope = currentRequestScope();
  if (scope && route) scope.route = route;
}

/** The status the request is answered with (the exception filter maps it the same way). */
function statusOf(err: unknown): number {
  return mapError(err, null).status;
}

type Handler = (this: unknown, ...args: unknown[]) => unknown;

/** What a route declares, read once when its handler is wrapped. */
export interface RouteTransaction {
  spec: AuditSpec | false | undefined;
  httpCode: number | undefined;
  ownTransactions: boolean;
}

@Injectable()
export class RequestTransaction {
  constructor(
    private readonly access: AccessService,
    private readonly db: TenantContext,
    private readonly audit: AuditLog,
  ) {}

  /** The handler, run in its request's transaction. Its metadata (routes, policies, OpenAPI) is carried over. */
  static wrap(handler: Handler): Handler {
    const route: RouteTransaction = {
      spec: Reflect.getMetadata(AUDIT_ACTION, handler) as AuditSpec | false | undefined,
      httpCode: Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined,
      ownTransactions: Reflect.getMetadata(OWN_TRANSACTIONS, handler) === true,
    };
    const wrapped = function (this: unknown, ...args: unknown[]): unknown {
      const scope = currentRequestScope();
      // Called outside a request of an API app (a test calling a controller): as it is.
      if (!scope) return handler.apply(this, args);
      scope.ran = true;
      return scope.transaction.run(route, scope.request, () => handler.apply(this, args));
    };
    for (const key of Reflect.getMetadataKeys(handler)) {
      Reflect.defineMetadata(key, Reflect.getMetadata(key, handler), wrapped);
    }
    Object.defineProperty(wrapped, 'name', { value: handler.name });
    Object.defineProperty(wrapped, ROUTE, { value: route });
    return wrapped;
  }

  /**
   * A request refused after the guards but before its handler ran (by validation) is audited as a failure, as one
   * refused by its handler is: the exception filter asks before it answers.
   */
  async auditRefusal(err: unknown): Promise<void> {
    const scope = currentRequestScope();
    const identity = this.access.maybeIdentity();
    if (!scope?.route || scope.ran || !identity) return;
    const { route, request } = scope;
    if (READ_METHODS.has(request.method) || route.spec === false) return;
    await this.record(identity, request, route.spec, statusOf(err), undefined).catch(() => undefined);
  }

  private run(route: RouteTransaction, req: FastifyRequest, call: () => unknown): unknown {
    const identity = this.access.maybeIdentity();
    if (!identity) return call();
    const spec = route.spec === false ? undefined : route.spec;
    const audited = !READ_METHODS.has(req.method) && route.spec !== false;
    const successStatus = route.httpCode ?? (req.method === 'POST' ? 201 : 200);
    const ownTransactions = route.ownTransactions;
    const handle = async () => {
      const result: unknown = await call();
      if (audited && !spec?.successInHandler) await this.record(identity, req, spec, successStatus, result);
      return result;
    };
    return (async () => {
      try {
        return await (ownTransactions ? handle() : this.db.runInTenant(identity.tenant.id, handle));
      } catch (err) {
        if (audited) await this.record(identity, req, spec, statusOf(err), undefined).catch(() => undefined);
        throw err;
      }
    })();
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

/**
 * Wraps the route handlers of every controller in the app in RequestTransaction (once per handler, whichever app comes
 * first). Must run after the app is created and before it is initialised (listen() or init()), when Nest binds the
 * routes to the handlers.
 */
export function bindRequestTransactions(app: INestApplication): void {
  const scanner = new MetadataScanner();
  for (const module of app.get(ModulesContainer).values()) {
    for (const controller of module.controllers.values()) {
      const prototype = (controller.metatype as Type | null)?.prototype as Record<string, Handler> | undefined;
      if (!prototype) continue;
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name];
        if (Reflect.getMetadata(PATH_METADATA, handler) === undefined || ROUTE in handler) continue;
        prototype[name] = RequestTransaction.wrap(handler);
      }
    }
  }
}
