// Public receive endpoints: the source's verification (signature, token, key or address) is the authentication.
import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { Public } from '@conduit/access';
import { ReceiveResponse, ReceiveService, ReceivedRequest } from '@conduit/ingestion';
import { ApiErrors } from '../http/api-errors.decorator';

function received(req: FastifyRequest & { rawBody?: Buffer }): ReceivedRequest {
  const rawBody = req.rawBody ?? (Buffer.isBuffer(req.body) ? req.body : Buffer.from(typeof req.body === 'string' ? req.body : ''));
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return { rawBody, headers, ip: req.ip };
}

@ApiTags('webhooks in (receive)')
@Public()
@SkipThrottle()
@Controller()
export class ReceiveController {
  constructor(private readonly receive: ReceiveService) {}

  @Post('api/webhooks/receive/:id')
  @HttpCode(202)
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/xml')
  @ApiOperation({ summary: 'Receive a webhook for a source (seed path); verified per the source, stored as received, 202' })
  @ApiAcceptedResponse({ type: ReceiveResponse })
  @ApiErrors(400, 401, 404, 413)
  byId(@Param('id') id: string, @Req() req: FastifyRequest): Promise<ReceiveResponse> {
    return this.receive.accept({ by: 'id', sourceId: id }, received(req));
  }

  @Post('api/v1/webhook/:provider/:sourceKey')
  @HttpCode(200)
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/xml')
  @ApiOperation({ summary: "Receive a provider's webhook (Firefly path) with the source's unguessable key; 200" })
  @ApiOkResponse({ type: ReceiveResponse })
  @ApiErrors(400, 401, 404, 413)
  byKey(@Param('provider') provider: string, @Param('sourceKey') sourceKey: string, @Req() req: FastifyRequest): Promise<ReceiveResponse> {
    return this.receive.accept({ by: 'key', provider, sourceKey }, received(req));
  }

  @Post('api/v1/webhook/:provider')
  @HttpCode(200)
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'application/xml')
  @ApiOperation({ summary: 'Receive for the deployment default tenant (INGEST_DEFAULT_TENANT): the source named after the provider; 200' })
  @ApiOkResponse({ type: ReceiveResponse })
  @ApiErrors(400, 401, 404, 413)
  byDefault(@Param('provider') provider: string, @Req() req: FastifyRequest): Promise<ReceiveResponse> {
    return this.receive.accept({ by: 'default', provider }, received(req));
  }
}
