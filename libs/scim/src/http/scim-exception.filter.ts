// Answers every refusal of the /scim/v2 routes (their guard's included) in SCIM's error schema, not Conduit's error
// body: identity providers read `status`, `scimType` and `detail`.
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DatabaseAvailability, isDatabaseUnavailable, isQueryTimeout } from '@conduit/database';
import { ConduitException } from '@conduit/platform';
import { ScimAudit, scimAction } from '../scim-audit';
import { scimCallerOf } from '../scim-caller';
import { SCIM_CONTENT_TYPE, ScimError, ScimErrorBody, ScimType, scimErrorBody } from '../scim-error';

export interface ScimErrorAnswer {
  status: number;
  body: ScimErrorBody;
  headers?: Record<string, string>;
}

function fromStatus(status: number, detail: string): ScimErrorAnswer {
  const scimType: ScimType | undefined = status === 409 ? 'uniqueness' : undefined;
  return { status, body: scimErrorBody(status, detail, scimType) };
}

export function mapScimError(err: unknown): ScimErrorAnswer & { unexpected: boolean } {
  if (err instanceof ScimError)
    return { status: err.status, body: scimErrorBody(err.status, err.message, err.scimType), unexpected: false };
  if (err instanceof ConduitException) {
    // Another lib's refusal (the licence's users quota: 403; an email being taken by a concurrent create: 409).
    const scimType: ScimType | undefined = err.status === 400 ? 'invalidValue' : undefined;
    const mapped = fromStatus(err.status, err.message);
    if (scimType) mapped.body.scimType = scimType;
    return { ...mapped, unexpected: false };
  }
  if (err instanceof HttpException) {
    // Nest wraps Fastify's refusals (a body that does not parse, too large) and its own 404.
    const cause: unknown = err.cause;
    const status =
      typeof cause === 'object' && cause !== null && 'statusCode' in cause && typeof cause.statusCode === 'number'
        ? cause.statusCode
        : err.getStatus();
    if (status === 400)
      return {
        status,
        body: scimErrorBody(400, 'The request body is not valid JSON', 'invalidSyntax'),
        unexpected: false,
      };
    return {
      ...fromStatus(status, status === 429 ? 'Too many requests; slow down' : err.message),
      unexpected: status >= 500,
    };
  }
  if (typeof err === 'object' && err !== null && 'statusCode' in err && typeof err.statusCode === 'number') {
    // Fastify's own refusal, unwrapped (a body that does not parse, too large, a content type it cannot read).
    const status = err.statusCode;
    if (status === 400)
      return {
        status,
        body: scimErrorBody(400, 'The request body is not valid JSON', 'invalidSyntax'),
        unexpected: false,
      };
    if (status > 400 && status < 500) return { ...fromStatus(status, 'The request cannot be read'), unexpected: false };
  }
  if (isDatabaseUnavailable(err) || isQueryTimeout(err)) {
    return {
      ...fromStatus(503, 'The service is not available right now; retry after the Retry-After seconds'),
      headers: { 'retry-after': '5' },
      unexpected: false,
    };
  }
  return { ...fromStatus(500, 'Something went wrong on our side'), unexpected: true };
}

/** A refused change by a known SCIM token is audited (in a transaction of its own: the change rolled back). */
@Catch()
@Injectable()
export class ScimExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('scim');

  constructor(
    private readonly audit: ScimAudit,
    private readonly database: DatabaseAvailability,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const mapped = mapScimError(exception);
    // A database outage is logged once, when it starts, not with each request it refused.
    this.database.notice(exception);
    if (mapped.unexpected) {
      const err =
        exception instanceof Error ? { name: exception.name, message: exception.message } : { name: typeof exception };
      this.logger.error({ err }, 'unhandled SCIM error');
    }
    const caller = scimCallerOf(request);
    const route = scimAction(request.method, request.url);
    if (!caller || !route) return sendScimError(reply, mapped);
    const id = (request.params as Record<string, string> | undefined)?.id ?? null;
    void this.audit
      .record(caller, route.action, { type: route.type, id }, mapped.status)
      .catch(() => undefined)
      .finally(() => sendScimError(reply, mapped));
  }
}

/** Sends a mapped SCIM error. */
export function sendScimError(reply: FastifyReply, mapped: ScimErrorAnswer): void {
  void reply
    .status(mapped.status)
    .headers(mapped.headers ?? {})
    .header('content-type', SCIM_CONTENT_TYPE)
    .send(mapped.body);
}

/**
 * Whether a request is answered in SCIM's error schema: a /scim/v2 route's refusals made before its controller runs
 * (a body that does not parse, input every route refuses) reach the app's own filter, which asks this.
 */
export function isScimRequest(url: string): boolean {
  return /^\/scim\/v2(\/|\?|$)/i.test(url);
}
