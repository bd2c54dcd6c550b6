import { ApiProperty } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { IsName } from '@conduit/platform';

export class CreateScimTokenDto {
  @ApiProperty({ example: 'okta-provisioning', description: 'Trimmed; not empty' })
  @IsName(100)
  name: string;

  @ApiProperty({
    format: 'uuid',
    description: "The tenant's SSO connection whose role_mapping and default_role turn SCIM groups into roles",
  })
  @IsUUID()
  connection_id: string;
}

export class ScimTokenResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'okta-provisioning' }) name: string;
  @ApiProperty({ format: 'uuid' }) connection_id: string;
  @ApiProperty({ example: 'cscim_3f9a1c2b7d4e', description: 'Public part of the token, for recognising it' })
  prefix: string;
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) created_by: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty({ nullable: true, type: String }) last_used_at: string | null;
  @ApiProperty({ nullable: true, type: String }) revoked_at: string | null;
}

export class CreatedScimTokenResponse extends ScimTokenResponse {
  @ApiProperty({
    example: 'cscim_3f9a1c2b7d4eQm9v...',
    description: "The full token, for the identity provider's SCIM settings (Authorization: Bearer). Shown once.",
  })
  token: string;

  @ApiProperty({ example: 'https://conduit.example.com/scim/v2', description: 'The SCIM base URL to configure' })
  base_url: string;
}

export class ScimTokenListResponse {
  @ApiProperty({ type: [ScimTokenResponse] }) data: ScimTokenResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}
