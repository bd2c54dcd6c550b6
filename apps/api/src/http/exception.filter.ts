import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DatabaseAvailability } from '@conduit/database';
import { isScimRequest, mapScimError, sendScimError } from '@conduit/scim';
import { mapError } from './error-mapping';
import { loggableError } from './loggable-error';
import { currentRequestScope } from './request-scope';

@Catch()
export class ConduitExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('errors');

  constructor(private readonly database: DatabaseAvailability) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    // A database outage is logged once, when it starts, not with each request it refused.
    this.database.notice(exception);
    // A /scim/v2 request refused before its controller (a body that does not parse): SCIM's error schema (RFC 7644).
    if (isScimRequest(request.url)) {
      const scim = mapScimError(exception);
      if (scim.unexpected)
        this.logger.error({ err: loggableError(exception), request_id: request.id }, 'unhandled error');
      return sendScimError(reply, scim);
    }
    const mapped = mapError(exception, request.id ?? null);
    if (mapped.unexpected)
      this.logger.error({ err: loggableError(exception), request_id: request.id }, 'unhandled error');
    const send = () =>
      void reply
        .status(mapped.status)
        .headers(mapped.headers ?? {})
        .header('content-type', 'application/json; charset=utf-8')
        .send(mapped.body);
    // A mutation refused before its handler ran (validation) is audited first, as one its handler refused.
    const scope = currentRequestScope();
    if (scope) void scope.transaction.auditRefusal(exception).finally(send);
    else send();
  }
}
