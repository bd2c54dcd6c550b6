import { Ajv2020 } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { TASK_TAG_PATTERN } from '@conduit/tasks';
import { MAX_APPS, MAX_INSTANCES_PER_APP, MAX_ITEMS_PER_KIND, MAX_TASKS_PER_APP } from './document-limits';
import { TRANSFER_KINDS } from './transfer-document';
import { TRANSFER_SCHEMA } from './transfer-schema';

type Schema = Record<string, any>;
const schema = TRANSFER_SCHEMA as Schema;

describe('TRANSFER_SCHEMA', () => {
  it('is a draft 2020-12 schema strict Ajv compiles', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(ajv, ['date-time']);
    expect(ajv.validateSchema(TRANSFER_SCHEMA)).toBe(true);
    expect(() => ajv.compile(TRANSFER_SCHEMA)).not.toThrow();
  });

  it('closes the envelope and leaves resource bodies open', () => {
    expect(schema.additionalProperties).toBe(false);
    expect(schema.$defs.app.additionalProperties).toBe(false);
    expect(schema.properties.checksum.additionalProperties).toBe(false);
    expect(schema.$defs.app.properties.integration.additionalProperties).toBe(true);
    expect(schema.$defs.app.properties.tasks.items.additionalProperties).toBe(true);
    expect(schema.$defs.app.properties.instances.items.additionalProperties).toBe(true);
    expect(schema.$defs.named_resource.additionalProperties).toBe(true);
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['format', 'version', 'exported_at', 'source', 'apps', 'checksum', ...TRANSFER_KINDS]),
    );
  });

  it('holds the item limits and the tasks domain tag rule', () => {
    expect(schema.properties.apps.maxItems).toBe(MAX_APPS);
    expect(schema.$defs.app.properties.tasks.maxItems).toBe(MAX_TASKS_PER_APP);
    expect(schema.$defs.app.properties.instances.maxItems).toBe(MAX_INSTANCES_PER_APP);
    for (const kind of [...TRANSFER_KINDS, 'chain_credentials'])
      expect(schema.properties[kind].maxItems).toBe(MAX_ITEMS_PER_KIND);
    expect(schema.$defs.app.properties.tasks.items.properties.task_tag.pattern).toBe(TASK_TAG_PATTERN.source);
  });
});
