import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { ROLES, Role } from '@conduit/access';
import { IsName, IsOptionalButNotNull } from '@conduit/platform';
import type { UserStatus } from '../entities/user.entity';
import { ListQueryDto } from './tenant.dto';

export class CreateUserDto {
  @ApiProperty({ example: 'analyst@acme.example' })
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty({ example: 'a-long-passphrase-42', minLength: 12, writeOnly: true })
  @IsString()
  @Length(12, 200)
  password: string;

  @ApiProperty({ enum: ROLES, example: 'analyst' })
  @IsIn(ROLES)
  role: Role;

  @ApiPropertyOptional({ example: 'Ada Analyst', description: 'Trimmed; not empty' })
  @IsOptional()
  @IsName()
  display_name?: string;
}

// Only display_name may be cleared with null; role, status and password refuse it with a 400.
export class UpdateUserDto {
  @ApiPropertyOptional({
    example: 'Ada A. Analyst',
    nullable: true,
    type: String,
    description:
      "This tenant's name for the member (the account and other tenants keep theirs). Trimmed; not empty; null clears it",
  })
  @IsOptional()
  @IsName()
  display_name?: string | null;

  @ApiPropertyOptional({ enum: ROLES, description: 'Not your own; never above yours' })
  @IsOptionalButNotNull()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({
    enum: ['active', 'disabled'],
    description:
      "This tenant's membership only: disabled, the member cannot sign in, refresh or act here (403 user_disabled) and their API keys here stop; their other tenants are untouched. Not your own",
  })
  @IsOptionalButNotNull()
  @IsIn(['active', 'disabled'])
  status?: UserStatus;

  @ApiPropertyOptional({ minLength: 12, writeOnly: true })
  @IsOptionalButNotNull()
  @IsString()
  @Length(12, 200)
  password?: string;
}

export class ListUsersQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ enum: ROLES })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;
}

export class UserResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'analyst@acme.example' }) email: string;
  @ApiProperty({ nullable: true, type: String, description: "This tenant's name for the member" })
  display_name: string | null;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ format: 'uuid' }) tenant_id: string;
  @ApiProperty({ enum: ['active', 'disabled'], description: "The membership's status in this tenant" })
  status: UserStatus;
  @ApiProperty({ nullable: true, type: String, description: 'Last sign-in to this tenant' })
  last_login_at: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
}

export class UserListResponse {
  @ApiProperty({ type: [UserResponse] }) data: UserResponse[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}
