import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IsName, IsOptionalButNotNull, STRING_MAP } from '@conduit/platform';
import { ListQueryDto } from '@conduit/tenants';

/** The roles a connection may hand out (a tenant's own roles; never mssp_admin or platform_admin). */
export const MAPPABLE_ROLES = ['tenant_admin', 'analyst', 'viewer'] as const;
export type MappableRole = (typeof MAPPABLE_ROLES)[number];

const URL_OPTIONS = { protocols: ['http', 'https'], require_protocol: true, require_tld: false };

export class AttributeMappingDto {
  @ApiPropertyOptional({
    example: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress',
    description: 'Attribute carrying the email; absent: the NameID is the email',
  })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  email?: string;

  @ApiPropertyOptional({ example: 'displayName' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  display_name?: string;

  @ApiPropertyOptional({ example: 'groups', description: 'Attribute carrying the groups (one value per group)' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  groups?: string;
}

class ConnectionSettingsDto {
  @ApiPropertyOptional({
    type: AttributeMappingDto,
    description: 'Which SAML attributes carry the email, display name and groups',
  })
  @IsOptionalButNotNull()
  @ValidateNested()
  @Type(() => AttributeMappingDto)
  attribute_mapping?: AttributeMappingDto;

  @ApiPropertyOptional({
    ...STRING_MAP,
    example: { 'conduit-admins': 'tenant_admin', 'soc-analysts': 'analyst' },
    description: `IdP group → role (${MAPPABLE_ROLES.join(', ')}), never above your own role`,
  })
  @IsOptionalButNotNull()
  @IsObject()
  role_mapping?: Record<string, string>;

  @ApiPropertyOptional({
    enum: MAPPABLE_ROLES,
    nullable: true,
    description: 'Role of a user none of whose groups is mapped; null: such users are refused (saml_no_role)',
  })
  @IsOptional()
  @IsIn(MAPPABLE_ROLES)
  default_role?: MappableRole | null;

  @ApiPropertyOptional({ default: false, description: 'Create the user and membership at a first sign-in' })
  @IsOptionalButNotNull()
  @IsBoolean()
  jit_provisioning?: boolean;

  @ApiPropertyOptional({ default: false, description: 'Accept responses the IdP sends unasked (no InResponseTo)' })
  @IsOptionalButNotNull()
  @IsBoolean()
  allow_idp_initiated?: boolean;

  @ApiPropertyOptional({ default: true })
  @IsOptionalButNotNull()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    description: "The IdP's SAML metadata (EntityDescriptor); instead of the idp_* fields",
    example: '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com">...',
  })
  @IsOptionalButNotNull()
  @IsString()
  @MaxLength(200_000)
  idp_metadata_xml?: string;

  @ApiPropertyOptional({ example: 'http://www.okta.com/exk1abcd' })
  @IsOptionalButNotNull()
  @IsString()
  @MaxLength(1000)
  idp_entity_id?: string;

  @ApiPropertyOptional({ example: 'https://acme.okta.com/app/conduit/exk1abcd/sso/saml' })
  @IsOptionalButNotNull()
  @IsUrl(URL_OPTIONS)
  @MaxLength(2000)
  idp_sso_url?: string;

  @ApiPropertyOptional({ example: 'https://acme.okta.com/app/conduit/exk1abcd/slo/saml', nullable: true, type: String })
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  @MaxLength(2000)
  idp_slo_url?: string | null;

  @ApiPropertyOptional({
    type: [String],
    description: 'PEM certificates the IdP signs with (several during a rollover)',
    example: ['-----BEGIN CERTIFICATE-----\nMIIC...\n-----END CERTIFICATE-----'],
  })
  @IsOptionalButNotNull()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(5)
  @IsString({ each: true })
  @MaxLength(20_000, { each: true })
  idp_certificates?: string[];
}

export class CreateSsoConnectionDto extends ConnectionSettingsDto {
  @ApiProperty({ example: 'Okta' })
  @IsName(200)
  name: string;
}

export class UpdateSsoConnectionDto extends ConnectionSettingsDto {
  @ApiPropertyOptional({ example: 'Okta (production)' })
  @IsOptionalButNotNull()
  @IsName(200)
  name?: string;
}

export class ListSsoConnectionsQueryDto extends ListQueryDto {}

export class AttributeMappingResponse {
  @ApiPropertyOptional() email?: string;
  @ApiPropertyOptional() display_name?: string;
  @ApiPropertyOptional() groups?: string;
}

export class SsoConnectionResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ example: 'Okta' }) name: string;
  @ApiProperty({ enum: ['saml'] }) protocol: 'saml';
  @ApiProperty({ example: 'http://www.okta.com/exk1abcd' }) idp_entity_id: string;
  @ApiProperty() idp_sso_url: string;
  @ApiProperty({ nullable: true, type: String }) idp_slo_url: string | null;
  @ApiProperty({ type: [String] }) idp_certificates: string[];
  @ApiProperty({ type: AttributeMappingResponse }) attribute_mapping: AttributeMappingResponse;
  @ApiProperty({ ...STRING_MAP, example: { 'conduit-admins': 'tenant_admin' } }) role_mapping: Record<string, string>;
  @ApiProperty({ enum: MAPPABLE_ROLES, nullable: true }) default_role: string | null;
  @ApiProperty() jit_provisioning: boolean;
  @ApiProperty() allow_idp_initiated: boolean;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ description: "The SP's signing certificate (PEM), also in the SP metadata" }) sp_certificate: string;
  @ApiProperty({ description: 'SP entity id (also the SP metadata URL)' }) sp_entity_id: string;
  @ApiProperty({ description: 'Assertion consumer service URL (HTTP-POST)' }) acs_url: string;
  @ApiProperty({ description: 'Single logout URL (HTTP-Redirect)' }) slo_url: string;
  @ApiProperty({ description: 'Where users start signing in' }) login_url: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class SsoConnectionListResponse {
  @ApiProperty({ type: [SsoConnectionResponse] }) data: SsoConnectionResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}
