import { parseGenericAppForm } from './seed-form';

describe('parseGenericAppForm', () => {
  it('creates when integration_id is 0 or absent, parsing JSON parts and flags', async () => {
    const ids: Record<string, string>[] = [{ integration_id: '0' }, {}, { integration_id: '' }];
    for (const id of ids) {
      const form = await parseGenericAppForm({
        ...id,
        title: 'Splunk',
        fields: '[{"name":"url","type":"url"}]',
        metadata: '{"a":1}',
        shared: 'true',
        generic_app: '0',
        tenant_code: ' acme ',
      });
      expect(form.integrationId).toBe(0);
      expect(form.tenantCode).toBe('acme');
      expect(form.addInstance).toBe(false);
      expect(form.create).toMatchObject({
        title: 'Splunk',
        fields: [{ name: 'url', type: 'url' }],
        metadata: { a: 1 },
        shared: true,
        generic_app: false,
      });
    }
  });

  it('updates by a positive integration_id, with every field optional', async () => {
    const form = await parseGenericAppForm({
      integration_id: '42',
      add_instance: '1',
      instance: '{"base_url":"https://x.example.com","fields":{"a":1},"auth":{"type":"bearer","token":"t"}}',
    });
    expect(form).toMatchObject({
      integrationId: 42,
      addInstance: true,
      update: {},
      instance: { base_url: 'https://x.example.com', fields: { a: 1 }, auth: { type: 'bearer', token: 't' } },
    });
    expect(form.create).toBeUndefined();
  });

  it.each([
    [{ integration_id: '-1', title: 'x' }, 'integration_id'],
    [{ integration_id: '99999999999', title: 'x' }, 'integration_id'],
    [{ integration_id: '1.5' }, 'integration_id'],
    [{ title: 'x', shared: 'maybe' }, 'shared'],
    [{ title: 'x', fields: '[{' }, 'fields'],
    [{ title: 'x', metadata: '[1]' }, 'metadata'],
    [{ title: 'x', colour: 'red' }, 'colour'],
    [{ description: 'no title' }, 'title'],
    [{ title: 'x', status: 'deleted' }, 'status'],
    [{ title: 'x', add_instance: 'true' }, 'instance'],
    [{ title: 'x', instance: '{"base_url":"https://x"}' }, 'instance'],
    [{ title: 'x', add_instance: 'true', instance: '{' }, 'instance'],
    [{ title: 'x', add_instance: 'true', instance: '[]' }, 'instance'],
    [{ title: 'x', add_instance: 'true', instance: '{}' }, 'instance.base_url'],
    [{ title: 'x', add_instance: 'true', instance: '{"base_url":"https://x","colour":1}' }, 'instance.colour'],
  ])('refuses %j naming %s', async (fields, field) => {
    await expect(parseGenericAppForm(fields)).rejects.toMatchObject({
      code: 'validation_failed',
      details: expect.arrayContaining([expect.objectContaining({ field })]),
    });
  });
});
