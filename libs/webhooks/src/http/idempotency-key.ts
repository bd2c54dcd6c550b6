// The Idempotency-Key request header of the publish routes (/api/v1/events and the seed's /api/webhooks/event).
// A parameter decorator of its own rather than @Headers('idempotency-key'), which Swagger would list as a second,
// required, header parameter next to the documented optional one.
import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CommonException } from '@conduit/platform';

export const IdempotencyKeyHeader = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string | undefined => {
    const value = context.switchToHttp().getRequest<FastifyRequest>().headers['idempotency-key'];
    if (value === undefined) return undefined;
    if (Array.isArray(value) || value.length === 0 || value.length > 200) {
      throw CommonException.validation('Idempotency-Key must be one header of 1-200 characters', [
        { field: 'Idempotency-Key', message: 'length 1-200' },
      ]);
    }
    return value;
  },
);

export const ApiIdempotencyKeyHeader = () =>
  ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Same key within 24 h returns the first event (alternative to the body idempotency_key)',
  });

/** The key from the header or the body; both may be sent only when they agree. */
export function idempotencyKey(headerKey: string | undefined, bodyKey: string | undefined): string | undefined {
  if (headerKey !== undefined && bodyKey !== undefined && headerKey !== bodyKey) {
    throw CommonException.validation('The Idempotency-Key header and the body idempotency_key differ', [
      { field: 'idempotency_key', message: 'differs from the Idempotency-Key header' },
    ]);
  }
  return bodyKey ?? headerKey;
}
