import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength, ValidateIf } from 'class-validator';

export class SetIsolationDto {
  @ApiProperty({
    enum: ['shared', 'dedicated'],
    description:
      'dedicated: the tenant’s rows live in the database at database_url from now on (an empty tenant only in this version). ' +
      'shared: accepted for a tenant that is shared already; moving a dedicated tenant back is tenant:move.',
  })
  @IsIn(['shared', 'dedicated'])
  isolation: 'shared' | 'dedicated';

  @ApiPropertyOptional({
    example: 'postgres://owner:password@db-acme.internal:5432/conduit_acme',
    description:
      'Required for dedicated. The database owner’s URL (migrations run as it; requests run as the runtime role). Its host ' +
      'must be in DEDICATED_DATABASE_HOSTS; only sslmode may be in its query string. Stored sealed, never returned.',
    writeOnly: true,
  })
  @ValidateIf((o: SetIsolationDto) => o.isolation === 'dedicated' || o.database_url !== undefined)
  @IsString()
  @MaxLength(2048)
  database_url?: string;
}
