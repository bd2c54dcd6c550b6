// What an instance change keeps in the audit trail: its shape, never a value that could be secret (field values
// are named only, credentials not at all, a base_url only when it is a valid URL without user info).
import { baseUrlProblem } from './instance-config';

export function auditedInstanceChanges(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ['integration_uuid', 'title', 'status', 'rate_limit', 'health_check'])
    if (body[key] !== undefined) out[key] = body[key];
  if (typeof body.base_url === 'string') out.base_url = baseUrlProblem(body.base_url) ? '(invalid)' : body.base_url;
  if (isObject(body.fields)) out.fields = Object.keys(body.fields);
  if (isObject(body.auth)) {
    const auth: Record<string, unknown> = {};
    for (const key of ['type', 'header', 'query', 'token_url', 'scope'])
      if (key in body.auth) auth[key] = body.auth[key];
    out.auth = auth;
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
