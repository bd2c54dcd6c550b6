import { describe, expect, it } from 'vitest';
import { auditedInstanceChanges } from './instance-audit';

describe('auditedInstanceChanges', () => {
  it('keeps the shape of a change, never a value that may be secret', () => {
    const kept = auditedInstanceChanges({
      title: 'Prod',
      base_url: 'https://a.example.com',
      fields: { index: 'main', api_token: 'tok-SECRET' },
      auth: { type: 'basic', username: 'u', password: 'pw-SECRET' },
      rate_limit: { max: 1, per_seconds: 1 },
    });
    expect(kept).toEqual({
      title: 'Prod',
      base_url: 'https://a.example.com',
      fields: ['index', 'api_token'],
      auth: { type: 'basic' },
      rate_limit: { max: 1, per_seconds: 1 },
    });
    expect(JSON.stringify(kept)).not.toContain('SECRET');
  });

  it('drops a base_url that carries user info', () => {
    expect(auditedInstanceChanges({ base_url: 'https://u:pw-SECRET@a.example.com' })).toEqual({
      base_url: '(invalid)',
    });
  });
});
