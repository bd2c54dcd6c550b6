import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional } from 'class-validator';
import { KnownScopes, ROLES, Role } from '@conduit/access';
import { IsName, IsTimestamp } from '@conduit/platform';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'siem-export', description: 'Trimmed; not empty' })
  @IsName(100)
  name: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @KnownScopes({ example: ['audit_events:read'] })
  scopes: string[];

  @ApiPropertyOptional({
    enum: ROLES,
    description:
      'Role the key acts with, up to yours (platform_admin only in your own tenant); defaults to yours, ' +
      "except a platform admin's key, which defaults to mssp_admin",
  })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({ example: '2027-01-01T00:00:00Z' })
  @IsOptional()
  @IsTimestamp()
  expires_at?: Date;
}

export class ApiKeyResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'siem-export' }) name: string;
  @ApiProperty({ example: 'ck_live_3f9a1c2b7d4e', description: 'Public part of the key, for recognising it' })
  prefix: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ example: ['audit_events:read'] }) scopes: string[];
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ nullable: true, type: String }) expires_at: string | null;
  @ApiProperty({ nullable: true, type: String }) last_used_at: string | null;
  @ApiProperty({ nullable: true, type: String }) revoked_at: string | null;
  @ApiProperty() created_at: string;
}

export class CreatedApiKeyResponse extends ApiKeyResponse {
  @ApiProperty({ example: 'ck_live_3f9a1c2b7d4eQm9v...', description: 'The full key. Shown once; store it now.' })
  key: string;
}

export class ApiKeyListResponse {
  @ApiProperty({ type: [ApiKeyResponse] }) data: ApiKeyResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}
