// Swagger responses with the error body, for the statuses a route may answer with.
import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../errors';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input (validation_failed, invalid_json)',
  401: 'Not authenticated (unauthenticated, token_expired, token_revoked, api_key_invalid, ...)',
  403: 'Not allowed (forbidden, tenant_suspended, tenant_inactive, role_not_allowed)',
  404: 'Not found, or not visible to you',
  409: 'Conflicts with existing state',
  413: 'Request body too large',
  429: 'Rate limited',
};

/** Documents the error body for the given statuses. */
export const ApiErrors = (...statuses: number[]) =>
  applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status] ?? 'Error', type: ErrorResponseDto }),
    ),
  );
