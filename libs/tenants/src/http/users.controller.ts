import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { CheckPolicy } from '@conduit/access';
import { ApiErrors } from '@conduit/platform';
import { Audited } from '@conduit/audit';
import { CreateUserDto, ListUsersQueryDto, UpdateUserDto, UserListResponse, UserResponse } from '../dto/user.dto';
import { UsersService } from '../users.service';

@ApiTags('users')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller('api/v1/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @CheckPolicy('create', 'User')
  @Audited('user.create', 'User')
  @ApiOperation({
    summary: 'Create a user in the acting tenant',
    description:
      "A person is one account with a membership per tenant. When the email already has an account (a member of another tenant), this adds a membership here and answers exactly as a new user: the request's display_name, this membership's dates, no last login; the password sent is ignored (the person keeps their own). 409 email_taken only when the email is already a member of this tenant.",
  })
  @ApiCreatedResponse({ type: UserResponse })
  @ApiErrors(400, 401, 403, 409)
  create(@Body() dto: CreateUserDto): Promise<UserResponse> {
    return this.users.create(dto);
  }

  @Get()
  @CheckPolicy('read', 'User')
  @ApiOperation({ summary: 'List users of the acting tenant' })
  @ApiOkResponse({ type: UserListResponse })
  @ApiErrors(400, 401, 403)
  list(@Query() query: ListUsersQueryDto) {
    return this.users.list(query);
  }

  @Get(':id')
  @CheckPolicy('read', 'User')
  @ApiOperation({ summary: 'Get a user of the acting tenant' })
  @ApiOkResponse({ type: UserResponse })
  @ApiErrors(401, 403, 404)
  get(@Param('id') id: string): Promise<UserResponse> {
    return this.users.get(id);
  }

  @Patch(':id')
  @CheckPolicy('update', 'User')
  @Audited('user.update', 'User')
  @ApiOperation({
    summary: 'Update a user (name, role, status, password)',
    description:
      "Name and status are this tenant's membership's: the account and the person's other tenants are untouched. Not your own role or status (403); never the last active holder of the tenant's highest admin role (409 last_admin). The password is set only for your own account or one that is a member of this tenant alone; for an account that is also a member elsewhere it is ignored (the same 200).",
  })
  @ApiOkResponse({ type: UserResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  update(@Param('id') id: string, @Body() dto: UpdateUserDto): Promise<UserResponse> {
    return this.users.update(id, dto);
  }

  @Delete(':id')
  @CheckPolicy('delete', 'User')
  @Audited('user.delete', 'User')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a user from the acting tenant (not yourself, nor its last admin)' })
  @ApiNoContentResponse({ description: 'Removed' })
  @ApiErrors(401, 403, 404, 409)
  async remove(@Param('id') id: string): Promise<void> {
    await this.users.remove(id);
  }
}
