// The error body of DESIGN.md as Swagger sees it.
import { ApiProperty } from '@nestjs/swagger';

export class ErrorDetailDto {
  @ApiProperty({ example: 'email', required: false }) field?: string;
  @ApiProperty({ example: 'email must be an email' }) message: string;
}

export class ErrorInfoDto {
  @ApiProperty({ example: 'validation_failed', description: 'Stable, machine-readable error code' }) code: string;
  @ApiProperty({ example: 'email must be an email' }) message: string;
  @ApiProperty({ type: [ErrorDetailDto] }) details: ErrorDetailDto[];
}

export class ErrorResponseDto {
  @ApiProperty({ type: ErrorInfoDto }) error: ErrorInfoDto;
  @ApiProperty({ example: '0193a6b2-7c1d-7e4f-9a55-3b2f6c1d2e3f', nullable: true, type: String }) request_id:
    string | null;
}
