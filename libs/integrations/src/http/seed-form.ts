// The seed's generic-app form (POST /apps/v1/app/generic): every value arrives as text; JSON-valued fields (fields,
// metadata) are parsed, flags read as booleans, then the whole is checked by the same DTO classes as the REST API.
import { plainToInstance } from 'class-transformer';
import { ValidationError, validate } from 'class-validator';
import { CommonException, ErrorDetail } from '@conduit/platform';
import { CreateIntegrationDto, UpdateIntegrationDto } from '../dto/integration.dto';
import { SeedInstanceDto } from '../instances/instance.dto';

const JSON_FIELDS = new Set(['fields', 'metadata']);
const FLAGS = new Set(['shared', 'generic_app']);
const MAX_SEQ = 2_147_483_647;

export interface GenericAppForm {
  /** 0: create; otherwise the integration_id to update. */
  integrationId: number;
  addInstance: boolean;
  tenantCode?: string;
  create?: CreateIntegrationDto;
  update?: UpdateIntegrationDto;
  /** With add_instance: the instance to create (the `instance` part). */
  instance?: SeedInstanceDto;
}

const invalid = (field: string, message: string) =>
  CommonException.validation(`${field}: ${message}`, [{ field, message }]);

function flag(field: string, value: string): boolean {
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0' || v === '') return false;
  throw invalid(field, 'true or false');
}

function flatten(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({
      field,
      message: message.includes('should not exist') ? `${field} is not a known field` : message,
    }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

export async function parseGenericAppForm(fields: Record<string, string>): Promise<GenericAppForm> {
  const body: Record<string, unknown> = {};
  let integrationId = 0;
  let addInstance = false;
  let tenantCode: string | undefined;
  let instanceBody: unknown;
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'integration_id') {
      const v = value.trim();
      if (v !== '' && (!/^\d{1,10}$/.test(v) || Number(v) > MAX_SEQ)) throw invalid(key, 'a whole number ≥ 0');
      integrationId = v === '' ? 0 : Number(v);
    } else if (key === 'add_instance') addInstance = flag(key, value);
    else if (key === 'instance') instanceBody = parseJson(key, value);
    else if (key === 'tenant_code') tenantCode = value.trim() || undefined;
    else if (FLAGS.has(key)) body[key] = flag(key, value);
    else if (JSON_FIELDS.has(key)) body[key] = parseJson(key, value);
    else body[key] = value;
  }
  const cls = integrationId === 0 ? CreateIntegrationDto : UpdateIntegrationDto;
  const dto = plainToInstance(cls, body);
  const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    const details = flatten(errors);
    throw CommonException.validation(details[0]?.message ?? 'The form is not valid', details);
  }
  const instance = await instancePart(addInstance, instanceBody);
  return integrationId === 0
    ? { integrationId, addInstance, tenantCode, instance, create: dto as CreateIntegrationDto }
    : { integrationId, addInstance, tenantCode, instance, update: dto as UpdateIntegrationDto };
}

function parseJson(field: string, value: string): unknown {
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw invalid(field, 'is not valid JSON');
  }
}

/** The `instance` part: required with add_instance, refused without it, checked like the REST body. */
async function instancePart(addInstance: boolean, body: unknown): Promise<SeedInstanceDto | undefined> {
  if (body === undefined) {
    if (addInstance) throw invalid('instance', 'required with add_instance (a JSON object with at least base_url)');
    return undefined;
  }
  if (!addInstance) throw invalid('instance', 'only with add_instance=true');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalid('instance', 'a JSON object');
  const dto = plainToInstance(SeedInstanceDto, body);
  const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    const details = flatten(errors, 'instance');
    throw CommonException.validation(details[0]?.message ?? 'The instance is not valid', details);
  }
  return dto;
}
