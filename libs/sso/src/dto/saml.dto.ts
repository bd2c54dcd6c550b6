import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, MaxLength } from 'class-validator';

export class SamlLoginQueryDto {
  @ApiPropertyOptional({
    example: '/docs',
    description:
      'Where to send the browser after sign-in (with ?code=): a path here, or a URL on this origin or an allowed one. ' +
      'Default: /api/v1/auth/saml/complete, which signs you in to Swagger UI.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  return_to?: string;
}

export class SamlExchangeDto {
  @ApiProperty({ example: 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c', description: 'The one-time code from ?code=' })
  @IsString()
  @Length(20, 200)
  code: string;
}

export class SamlLogoutResponse {
  @ApiProperty({
    nullable: true,
    type: String,
    description: "The IdP's SLO URL with a signed LogoutRequest to send the browser to; null when it has none",
  })
  redirect_url: string | null;
}

export class SamlSloQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100_000) SAMLRequest?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100_000) SAMLResponse?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) RelayState?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) SigAlg?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) Signature?: string;
}
