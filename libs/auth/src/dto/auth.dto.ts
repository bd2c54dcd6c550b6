import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Length, MaxLength } from 'class-validator';

export class LoginDto {
  @ApiProperty({ example: 'admin@acme.example' })
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty({ example: 'a-long-passphrase-42', writeOnly: true })
  @IsString()
  @Length(1, 200)
  password: string;

  @ApiPropertyOptional({ example: 'acme-corp', description: 'Tenant id or code, when the user belongs to several' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  tenant?: string;
}

export class RefreshDto {
  @ApiProperty({ example: 'crt_0193...', writeOnly: true })
  @IsString()
  @Length(10, 500)
  refresh_token: string;
}

export class TokenResponse {
  @ApiProperty({ example: 'eyJhbGciOiJIUzI1NiIs...' }) access_token: string;
  @ApiProperty({ example: 'crt_0193...' }) refresh_token: string;
  @ApiProperty({ example: 'Bearer' }) token_type: 'Bearer';
  @ApiProperty({ example: 900, description: 'Access token lifetime in seconds' }) expires_in: number;
}

export class MeTenantResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() code: string;
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['active', 'inactive', 'suspended'] }) status: string;
  @ApiProperty({ nullable: true, type: String }) parent_id: string | null;
}

export class MeMembershipResponse {
  @ApiProperty({ format: 'uuid', example: '0193a6b2-7c1d-7e4f-9a55-3b2f6c1d2e3f' }) tenant_id: string;
  @ApiProperty({ example: 'acme-corp' }) tenant_code: string;
  @ApiProperty({ example: 'tenant_admin' }) role: string;
}

export class MeResponse {
  @ApiProperty({ enum: ['user', 'api_key'] }) kind: 'user' | 'api_key';
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'admin@acme.example' }) label: string;
  @ApiProperty({ example: 'tenant_admin' }) role: string;
  @ApiProperty({ nullable: true, type: [String] }) scopes: string[] | null;
  @ApiProperty({ format: 'uuid' }) home_tenant_id: string;
  @ApiProperty({ type: MeTenantResponse, description: 'The tenant this request acts in' }) tenant: MeTenantResponse;
  @ApiProperty({ type: [MeMembershipResponse], description: 'Every tenant the user belongs to (none for an API key)' })
  memberships: MeMembershipResponse[];
}
