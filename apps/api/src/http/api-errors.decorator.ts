import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';

class ErrorDetailDto {
  @ApiProperty({ example: 'email', required: false }) field?: string;
  @ApiProperty({ example: 'email must be an email' }) message: string;
}

class ErrorInfoDto {
  @ApiProperty({ example: 'validation_failed', description: 'Stable, machine-readable error code' }) code: string;
  @ApiProperty({ example: 'email must be an email' }) message: string;
  @ApiProperty({ type: [ErrorDetailDto] }) details: ErrorDetailDto[];
}

export class ErrorResponseDto {
  @ApiProperty({ type: ErrorInfoDto }) error: ErrorInfoDto;
  @ApiProperty({ example: '0193a6b2-7c1d-7e4f-9a55-3b2f6c1d2e3f', nullable: true, type: String }) request_id: string | null;
}

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
  applyDecorators(...statuses.map((status) => ApiResponse({ status, description: DESCRIPTIONS[status] ?? 'Error', type: ErrorResponseDto })));
