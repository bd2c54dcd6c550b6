import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { IsOptionalButNotNull, IsPageLimit } from '@conduit/platform';

export const CREDENTIAL_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export class CreateCredentialDto {
  @ApiProperty({ example: 'payments_api_key', description: 'Used in templates as {{credentials.payments_api_key}}' })
  @Matches(CREDENTIAL_NAME, { message: 'name must be a letter or _, then letters, digits or _ (at most 64)' })
  name: string;

  @ApiProperty({ example: 'sk_live_51H...', description: 'Stored encrypted; never returned' })
  @IsString()
  @Length(1, 8192)
  value: string;
  @ApiPropertyOptional({ example: 'Payment provider key for the order chain' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class UpdateCredentialDto {
  // IsOptional() let null through to the encryption (a 500); a credential always has a value.
  @ApiPropertyOptional({ example: 'sk_live_51J...', description: 'A new value (rotation); not null' })
  @IsOptionalButNotNull()
  @IsString()
  @Length(1, 8192)
  value?: string;

  @ApiPropertyOptional({ nullable: true, type: String, description: 'null clears it' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;
}

export class ListCredentialsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 }) @IsOptional() @IsPageLimit() limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) cursor?: string;
}

export class CredentialResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'payments_api_key' }) name: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ example: '[REDACTED]', description: 'Always [REDACTED]: values are write-only' }) value: '[REDACTED]';
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class CredentialListResponse {
  @ApiProperty({ type: [CredentialResponse] }) data: CredentialResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}
