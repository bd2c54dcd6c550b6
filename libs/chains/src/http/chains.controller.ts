// Chain definitions at the seed's paths (/api/execution-chains) and their canonical aliases (/api/v1/chains).
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
} from '@nestjs/swagger';
import { AccessService, CheckPolicy } from '@conduit/access';
import { TenantScope } from '@conduit/tenants';
import { ApiErrors } from '@conduit/platform';
import { Audited } from '@conduit/audit';
import { ChainsService } from '../chains.service';
import { ChainListResponse, ChainResponse, CreateChainDto, ListChainsQueryDto, UpdateChainDto } from '../dto/chain.dto';

@ApiTags('execution chains')
@ApiBearerAuth('bearer')
@ApiSecurity('api_key')
@Controller(['api/execution-chains', 'api/v1/chains'])
export class ChainsController {
  constructor(
    private readonly chains: ChainsService,
    private readonly scope: TenantScope,
    private readonly access: AccessService,
  ) {}

  @Post()
  @CheckPolicy('create', 'Chain')
  @Audited('chain.create', 'Chain')
  @ApiOperation({ summary: 'Create an execution chain: templated steps run in order when trigger_event happens' })
  @ApiCreatedResponse({ type: ChainResponse })
  @ApiErrors(400, 401, 403, 404)
  async create(@Body() dto: CreateChainDto): Promise<ChainResponse> {
    const { tenant_id: ref, ...definition } = dto;
    const tenant = await this.scope.resolve(ref);
    if (ref) this.access.actIn(tenant);
    return this.chains.create(definition, tenant.id);
  }

  @Get()
  @CheckPolicy('read', 'Chain')
  @ApiOperation({ summary: 'List execution chains' })
  @ApiOkResponse({ type: ChainListResponse })
  @ApiErrors(400, 401, 403, 404)
  async list(@Query() query: ListChainsQueryDto) {
    if (query.tenant_id) this.access.actIn(await this.scope.resolve(query.tenant_id));
    return this.chains.list(query);
  }

  @Get(':id')
  @CheckPolicy('read', 'Chain')
  @ApiOperation({ summary: 'Get a chain with its steps' })
  @ApiOkResponse({ type: ChainResponse })
  @ApiErrors(401, 403, 404)
  get(@Param('id') id: string): Promise<ChainResponse> {
    return this.chains.get(id);
  }

  @Patch(':id')
  @CheckPolicy('update', 'Chain')
  @Audited('chain.update', 'Chain')
  @ApiOperation({ summary: 'Update a chain (send the version you read; a stale one gets 409 chain_version_conflict)' })
  @ApiOkResponse({ type: ChainResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  update(@Param('id') id: string, @Body() dto: UpdateChainDto): Promise<ChainResponse> {
    return this.chains.update(id, dto);
  }

  @Put(':id')
  @CheckPolicy('update', 'Chain')
  @Audited('chain.update', 'Chain')
  @ApiOperation({ summary: 'Update a chain (same as PATCH)' })
  @ApiOkResponse({ type: ChainResponse })
  @ApiErrors(400, 401, 403, 404, 409)
  replace(@Param('id') id: string, @Body() dto: UpdateChainDto): Promise<ChainResponse> {
    return this.chains.update(id, dto);
  }

  @Post(':id/activate')
  @HttpCode(200)
  @CheckPolicy('update', 'Chain')
  @Audited('chain.activate', 'Chain')
  @ApiOperation({ summary: 'Let events start runs of this chain' })
  @ApiOkResponse({ type: ChainResponse })
  @ApiErrors(401, 403, 404, 409)
  activate(@Param('id') id: string): Promise<ChainResponse> {
    return this.chains.setActive(id, true);
  }

  @Post(':id/deactivate')
  @HttpCode(200)
  @CheckPolicy('update', 'Chain')
  @Audited('chain.deactivate', 'Chain')
  @ApiOperation({ summary: 'Stop events from starting runs of this chain (runs under way go on)' })
  @ApiOkResponse({ type: ChainResponse })
  @ApiErrors(401, 403, 404, 409)
  deactivate(@Param('id') id: string): Promise<ChainResponse> {
    return this.chains.setActive(id, false);
  }

  @Delete(':id')
  @HttpCode(204)
  @CheckPolicy('delete', 'Chain')
  @Audited('chain.delete', 'Chain')
  @ApiOperation({ summary: 'Delete a chain (soft: its runs stay)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(401, 403, 404, 409)
  async remove(@Param('id') id: string): Promise<void> {
    await this.chains.remove(id);
  }
}
