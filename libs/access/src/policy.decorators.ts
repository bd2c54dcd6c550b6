import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiExtension, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '@conduit/platform';
import type { Action, Subject } from './subjects';

export const PUBLIC_ROUTE = 'conduit:public';
export const ROUTE_POLICY = 'conduit:policy';

export type RoutePolicy = { kind: 'authenticated' } | { kind: 'ability'; action: Action; subject: Subject };

/**
 * Marks a public operation in the OpenAPI document; the document builder turns it into `security: []` (Nest's
 * Swagger decorators cannot emit an empty security list).
 */
export const PUBLIC_OPERATION_EXTENSION = 'x-conduit-public';

/** No authentication: ingestion endpoints, login, health. Must be said explicitly. */
export const Public = () =>
  applyDecorators(SetMetadata(PUBLIC_ROUTE, true), ApiExtension(PUBLIC_OPERATION_EXTENSION, true));

/** Any authenticated caller may use the route (its service still scopes what they see). */
export const Authenticated = () =>
  applyDecorators(
    SetMetadata(ROUTE_POLICY, { kind: 'authenticated' } satisfies RoutePolicy),
    ApiUnauthorizedResponse({
      description: 'Missing, invalid, expired or revoked credentials',
      type: ErrorResponseDto,
    }),
  );

/** The caller's ability must allow `action` on `subject` in the acting tenant. */
export const CheckPolicy = (action: Action, subject: Subject) =>
  applyDecorators(
    SetMetadata(ROUTE_POLICY, { kind: 'ability', action, subject } satisfies RoutePolicy),
    ApiUnauthorizedResponse({
      description: 'Missing, invalid, expired or revoked credentials',
      type: ErrorResponseDto,
    }),
    ApiForbiddenResponse({ description: `Requires permission to ${action} ${subject}`, type: ErrorResponseDto }),
  );
