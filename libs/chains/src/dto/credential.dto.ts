import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { IsOptionalButNotNull, IsPageLimit } from '@conduit/platform';
import { MAX_ALLOWED_HOSTS } from '../credential-hosts';

export const CREDENTIAL_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

const ALLOWED_HOSTS_DESCRIPTION =
  'The only hosts a chain step may send this credential to (its subscription target_url must match one). Each entry ' +
  'is an exact host name or IP address with an optional :port (without a port only the default port of the URL ' +
  'scheme matches), or *.example.com, which matches any name one or more labels below example.com but not ' +
  'example.com itself. Stored lower-case, international names in punycode. A wildcard may not cover an IP address or ' +
  'a single label (*.com); a bare * is refused. Errors: 400 invalid_allowed_host naming the entry.';

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

  @ApiProperty({
    type: [String],
    example: ['api.payments.example', '*.eu.payments.example:8443'],
    minItems: 1,
    maxItems: MAX_ALLOWED_HOSTS,
    description: `${ALLOWED_HOSTS_DESCRIPTION} Required, at least one entry.`,
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_ALLOWED_HOSTS)
  @IsString({ each: true })
  allowed_hosts: string[];
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

  @ApiPropertyOptional({
    type: [String],
    example: ['api.payments.example'],
    maxItems: MAX_ALLOWED_HOSTS,
    description: `Replaces the list. ${ALLOWED_HOSTS_DESCRIPTION} [] makes the credential usable by no step; not null.`,
  })
  @IsOptionalButNotNull()
  @IsArray()
  @ArrayMaxSize(MAX_ALLOWED_HOSTS)
  @IsString({ each: true })
  allowed_hosts?: string[];
}

export class ListCredentialsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 }) @IsOptional() @IsPageLimit() limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) cursor?: string;
}

export class CredentialResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'payments_api_key' }) name: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({
    type: [String],
    example: ['api.payments.example'],
    description: 'Hosts steps may send the value to; empty: none (see allowed_hosts on create)',
  })
  allowed_hosts: string[];
  @ApiProperty({ example: '[REDACTED]', description: 'Always [REDACTED]: values are write-only' }) value: '[REDACTED]';
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class CredentialListResponse {
  @ApiProperty({ type: [CredentialResponse] }) data: CredentialResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}
