import type { FieldDefinition, InstanceResponse } from '@conduit/integrations';
import type { SubscriptionResponse } from '@conduit/webhooks';
import {
  compareJson,
  instanceStub,
  nameSubscriptions,
  sanitiseFieldDefinitions,
  subscriptionBody,
} from './export-bodies';

const DEFINITIONS: FieldDefinition[] = [
  { name: 'index', label: 'index', type: 'text', required: false },
  { name: 'api_token', label: 'api_token', type: 'secret', required: true },
];

function instance(overrides: Partial<InstanceResponse> = {}): InstanceResponse {
  return {
    id: '0196b8a0-7c1e-7d3a-9f00-3c2e51a1c001',
    tenant_id: '0196b8a0-7c1e-7d3a-9f00-3c2e51a1c002',
    instance_id: 4,
    integration_uuid: '0196b8a0-7c1e-7d3a-9f00-3c2e51a1c003',
    integration_id: 2,
    title: 'Prod',
    base_url: 'https://tool.example.com',
    fields: { index: 'main', api_token: { set: true } },
    auth: { type: 'bearer', token: { set: true } },
    rate_limit: null,
    health_check: null,
    status: 'active',
    health: { status: 'unknown', consecutive_failures: 0, last_check_at: null, last_result: null, next_check_at: null },
    created_by: null,
    created_at: '2026-12-01T00:00:00.000Z',
    updated_at: '2026-12-01T00:00:00.000Z',
    deleted_at: null,
    ...overrides,
  };
}

describe('sanitiseFieldDefinitions', () => {
  it('drops the default of a secret field and keeps the others', () => {
    expect(
      sanitiseFieldDefinitions([
        { name: 'token', type: 'secret', default: 'hunter2' },
        { name: 'index', type: 'text', default: 'main' },
      ]),
    ).toEqual([
      { name: 'token', type: 'secret' },
      { name: 'index', type: 'text', default: 'main' },
    ]);
  });
});

describe('instanceStub', () => {
  it('keeps non-secret fields and auth settings, and names the secrets it holds', () => {
    expect(instanceStub(instance(), DEFINITIONS, null)).toEqual({
      title: 'Prod',
      base_url: 'https://tool.example.com',
      fields: { index: 'main' },
      auth: { type: 'bearer' },
      status: 'active',
      ingestion: null,
      secrets_required: ['fields.api_token', 'auth.token'],
    });
  });

  it('never copies a value the definitions do not name as non-secret, nor an auth credential', () => {
    const stub = instanceStub(
      instance({
        // A value under a secret definition that is not a marker, and one no definition names: both left out.
        fields: { index: 'main', api_token: 'leaked', stray: 'value' },
        auth: {
          type: 'api_key',
          header: 'X-Key',
          key: { set: true },
          ...({ extra: 'leaked' } as Record<string, unknown>),
        } as InstanceResponse['auth'],
      }),
      DEFINITIONS,
      null,
    );
    expect(JSON.stringify(stub)).not.toContain('leaked');
    expect(stub.fields).toEqual({ index: 'main' });
    expect(stub.auth).toEqual({ type: 'api_key', header: 'X-Key' });
    expect(stub.secrets_required).toEqual(['fields.api_token', 'auth.key']);
  });

  it('does not list a secret that is not set', () => {
    const stub = instanceStub(instance({ fields: { api_token: { set: false } } }), DEFINITIONS, null);
    expect(stub.secrets_required).toEqual(['auth.token']);
  });
});

describe('subscriptions', () => {
  const subscription = (app: string, url: string, headers: Record<string, string> = {}) =>
    ({
      id: `${app}-${url}`,
      app_name: app,
      description: null,
      target_url: url,
      event_types: ['a.b'],
      filter: null,
      headers,
      type: 'public',
      payload_format: 'envelope',
      retry_schedule: [0],
      rate_limit_per_second: null,
    }) as unknown as SubscriptionResponse;

  it('writes header names, never their values', () => {
    const body = subscriptionBody(
      subscription('crm', 'https://a.example', { Authorization: '••••', 'X-Team': '••••' }),
    );
    expect(body).not.toHaveProperty('headers');
    expect(body.secrets_required).toEqual(['headers.Authorization', 'headers.X-Team']);
  });

  it('names them by app_name, numbered in content order where several share one, whatever the input order', () => {
    const rows = [
      subscription('crm', 'https://b.example'),
      subscription('billing', 'https://c.example'),
      subscription('crm', 'https://a.example'),
    ].map((s) => ({ id: s.id, body: subscriptionBody(s) }));
    const named = nameSubscriptions(rows);
    expect(named.map((n) => [n.resource.name, n.resource.target_url])).toEqual([
      ['billing', 'https://c.example'],
      ['crm (1)', 'https://a.example'],
      ['crm (2)', 'https://b.example'],
    ]);
    expect(nameSubscriptions([...rows].reverse())).toEqual(named);
    expect(named[1].id).toBe('crm-https://a.example');
  });
});

describe('compareJson', () => {
  it('orders by name in code-point order, then by content, ignoring key order', () => {
    expect(compareJson({ name: 'B' }, { name: 'a' })).toBeLessThan(0);
    expect(compareJson({ name: 'x', a: 1, b: 2 }, { b: 2, a: 1, name: 'x' })).toBe(0);
    expect(compareJson({ name: 'x', a: 1 }, { name: 'x', a: 2 })).toBeLessThan(0);
  });
});
