// What the benches that drive the real API share (task-runs.ts, cases-poller.ts): the bench tenant's admin, made
// through the operator's service on a migrated bench database, and a JSON caller of the API as that admin.
import { NestFactory } from '@nestjs/core';
import { TokenService } from '@conduit/auth';
import type { ConduitConfig } from '@conduit/platform';
import { OperatorService } from '@conduit/tenants';
import { CliModule } from '../src/cli.module';

/** Tenant `bench` and its tenant admin; answers the tenant's id and an access token for the admin. */
export async function seedBenchAdmin(config: ConduitConfig): Promise<{ tenantId: string; token: string }> {
  const ops = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: ['error'] });
  try {
    const tenant = await ops.get(OperatorService).createTenant({ code: 'bench', name: 'Bench' });
    const user = await ops.get(OperatorService).createUser({
      email: 'bench@example.test',
      password: 'bench-password-123',
      tenantCode: 'bench',
      role: 'tenant_admin',
    });
    const { token } = ops
      .get(TokenService)
      .issueAccessToken({ userId: user.id, tenantId: tenant.id, role: 'tenant_admin' });
    return { tenantId: tenant.id, token };
  } finally {
    await ops.close();
  }
}

/** Calls the API with a JSON body as the admin; any status from 300 up throws with the answer. */
export function benchApiCaller(apiUrl: string, token: string) {
  return async (method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
}

/** Calls the API with a JSON body and these headers; an answer that is not 2xx throws with its text. */
export async function apiCall<T>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}
