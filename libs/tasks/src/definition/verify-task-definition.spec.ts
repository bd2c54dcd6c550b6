import { TASK_DEFINITION_ERROR_CODES, TaskDefinitionErrorCode } from './verification';
import { TaskVerificationContext, verifyTaskDefinition } from './verify-task-definition';
import { withTaskDefaults } from './task-definition';

const context = (over: Partial<TaskVerificationContext> = {}): TaskVerificationContext => ({
  instanceFieldNames: new Set(['region', 'tenant_key']),
  credentialNames: new Set(['username', 'password', 'token', 'api_key', 'client_id', 'client_secret']),
  existingTasks: [
    { task_tag: 'login', depends_on: [] },
    { task_tag: 'list_alerts', depends_on: ['login'] },
    { task_tag: 'details', depends_on: [], input_names: ['alert_id'] },
  ],
  ...over,
});

/** A definition using every part, valid in context(). */
const valid = (): Record<string, any> => ({
  name: 'Isolate host',
  task_tag: 'isolate_host',
  description: 'Cuts a host off the network',
  input_fields: [{ name: 'host_id', type: 'text', required: true }, { name: 'reason' }],
  output_fields: [
    { name: 'action_id', path: '$.data.id', type: 'string', is_array: false },
    { name: 'hosts', path: '$.data.hosts[*].name', type: 'string', is_array: true },
  ],
  depends_on: ['login'],
  request: {
    method: 'POST',
    path: '/api/v2/hosts/{{input.host_id}}/isolate',
    query: { region: '{{instance.region}}' },
    headers: { Authorization: 'Bearer {{credentials.token}}', 'X-Reason': '{{ input.reason }}' },
    body: { comment: 'isolated: {{input.reason}}', tags: ['{{instance.tenant_key}}'] },
  },
  execution_order: 2,
  error_handling: { retries: 3, backoff: 'exponential', backoff_ms: 500, timeout_ms: 10_000 },
  ingest_cases: true,
  case_ingestion_config: { severity_path: '$.severity' },
  status: 'active',
});

const verify = (change: (def: Record<string, any>) => void, ctx = context()) => {
  const def = valid();
  change(def);
  return verifyTaskDefinition(def, ctx);
};
const errorsOf = (change: (def: Record<string, any>) => void, ctx = context()) =>
  verify(change, ctx).errors.map((e) => [e.field, e.code]);

describe('verifyTaskDefinition', () => {
  it('accepts a complete definition, and a minimal one', () => {
    expect(verifyTaskDefinition(valid(), context())).toEqual({ valid: true, errors: [] });
    const minimal = { name: 'Ping', task_tag: 'ping', request: { method: 'GET', path: '/ping' } };
    expect(verifyTaskDefinition(minimal, context())).toEqual({ valid: true, errors: [] });
  });

  it('refuses what is not an object', () => {
    expect(verifyTaskDefinition([], context()).errors).toEqual([
      expect.objectContaining({ field: '', code: 'invalid_type' }),
    ]);
  });

  it('reports every problem at once', () => {
    const result = verifyTaskDefinition({ task_tag: 'Bad Tag', request: { path: 'x' }, status: 'gone' }, context());
    expect(result.valid).toBe(false);
    expect(result.errors.map((e) => [e.field, e.code])).toEqual([
      ['name', 'required'],
      ['task_tag', 'invalid_tag'],
      ['request.method', 'required'],
      ['request.path', 'invalid_request_path'],
      ['status', 'invalid_value'],
    ]);
  });

  describe('each code fails and passes', () => {
    const cases: [
      TaskDefinitionErrorCode,
      string,
      (d: Record<string, any>) => void,
      (d: Record<string, any>) => void,
    ][] = [
      ['required', 'name', (d) => delete d.name, (d) => (d.name = 'x')],
      ['required', 'request', (d) => delete d.request, () => undefined],
      ['required', 'output_fields[0].path', (d) => delete d.output_fields[0].path, () => undefined],
      ['required', 'case_ingestion_config', (d) => delete d.case_ingestion_config, (d) => (d.ingest_cases = false)],
      ['invalid_type', 'execution_order', (d) => (d.execution_order = '2'), (d) => (d.execution_order = 0)],
      ['invalid_type', 'error_handling.retries', (d) => (d.error_handling.retries = 1.5), () => undefined],
      ['invalid_type', 'request.headers.X-Reason', (d) => (d.request.headers['X-Reason'] = 1), () => undefined],
      ['invalid_type', 'input_fields[2].name', (d) => d.input_fields.push({ name: 7 }), () => undefined],
      ['invalid_value', 'request.method', (d) => (d.request.method = 'get'), (d) => (d.request.method = 'DELETE')],
      ['invalid_value', 'output_fields[0].type', (d) => (d.output_fields[0].type = 'date'), () => undefined],
      ['invalid_value', 'error_handling.backoff', (d) => (d.error_handling.backoff = 'linear'), () => undefined],
      ['too_long', 'name', (d) => (d.name = 'x'.repeat(256)), (d) => (d.name = 'x'.repeat(255))],
      [
        'out_of_range',
        'error_handling.retries',
        (d) => (d.error_handling.retries = 11),
        (d) => (d.error_handling.retries = 10),
      ],
      [
        'out_of_range',
        'error_handling.timeout_ms',
        (d) => (d.error_handling.timeout_ms = 99),
        (d) => (d.error_handling.timeout_ms = 100),
      ],
      [
        'out_of_range',
        'error_handling.timeout_ms',
        (d) => (d.error_handling.timeout_ms = 120_001),
        (d) => (d.error_handling.timeout_ms = 120_000),
      ],
      ['out_of_range', 'error_handling.backoff_ms', (d) => (d.error_handling.backoff_ms = 600_001), () => undefined],
      ['out_of_range', 'execution_order', (d) => (d.execution_order = -1), (d) => (d.execution_order = 0)],
      ['invalid_tag', 'task_tag', (d) => (d.task_tag = 'Isolate-Host'), (d) => (d.task_tag = 'isolate_host2')],
      ['invalid_tag', 'task_tag', (d) => (d.task_tag = '1host'), () => undefined],
      ['duplicate_tag', 'task_tag', (d) => (d.task_tag = 'list_alerts'), (d) => (d.task_tag = 'list_alerts_2')],
      ['invalid_name', 'output_fields[0].name', (d) => (d.output_fields[0].name = 'action id'), () => undefined],
      ['duplicate_name', 'output_fields[1].name', (d) => (d.output_fields[1].name = 'action_id'), () => undefined],
      [
        'duplicate_name',
        'request.headers.authorization',
        (d) => (d.request.headers.authorization = 'x'),
        () => undefined,
      ],
      [
        'unknown_dependency',
        'depends_on[1]',
        (d) => d.depends_on.push('logout'),
        (d) => d.depends_on.push('list_alerts'),
      ],
      ['duplicate_dependency', 'depends_on[1]', (d) => d.depends_on.push('login'), () => undefined],
      ['invalid_template', 'request.body.comment', (d) => (d.request.body.comment = '{{input.reason'), () => undefined],
      ['invalid_template', 'request.path', (d) => (d.request.path = '/h/{{input.host_id | upper}}'), () => undefined],
      [
        'unknown_reference',
        'request.body.tags[0]',
        (d) => (d.request.body.tags[0] = '{{instance.zone}}'),
        () => undefined,
      ],
      ['unknown_reference', 'request.query.region', (d) => (d.request.query.region = '{{steps.x}}'), () => undefined],
      [
        'unknown_reference',
        'request.headers.Authorization',
        (d) => (d.request.headers.Authorization = '{{credentials.secret}}'),
        () => undefined,
      ],
      [
        'invalid_json_path',
        'output_fields[0].path',
        (d) => (d.output_fields[0].path = 'data.id'),
        (d) => (d.output_fields[0].path = '$.data["id"]'),
      ],
      ['invalid_json_path', 'output_fields[0].path', (d) => (d.output_fields[0].path = '$.data[0'), () => undefined],
      [
        'invalid_output_array',
        'output_fields[0].is_array',
        (d) => (d.output_fields[0].is_array = true),
        (d) => Object.assign(d.output_fields[0], { is_array: true, type: 'array' }),
      ],
      [
        'invalid_request_path',
        'request.path',
        (d) => (d.request.path = 'https://evil.example/'),
        (d) => (d.request.path = '/evil'),
      ],
      ['invalid_request_path', 'request.path', (d) => (d.request.path = '/a/../../admin'), () => undefined],
      [
        'invalid_header_name',
        'request.headers.Bad Header',
        (d) => (d.request.headers['Bad Header'] = 'x'),
        (d) => (d.request.headers['X-Good'] = 'x'),
      ],
      ['forbidden_header', 'request.headers.Host', (d) => (d.request.headers.Host = 'evil.example'), () => undefined],
      [
        'forbidden_header',
        'request.headers.transfer-encoding',
        (d) => (d.request.headers['transfer-encoding'] = 'chunked'),
        () => undefined,
      ],
      [
        'forbidden_header',
        'request.headers.Content-Length',
        (d) => (d.request.headers['Content-Length'] = '1'),
        () => undefined,
      ],
      [
        'forbidden_header',
        'request.headers.Connection',
        (d) => (d.request.headers.Connection = 'close'),
        () => undefined,
      ],
      [
        'unknown_key',
        'case_ingestion_config.dependent_tasks[0].per_item',
        (d) => (d.case_ingestion_config.dependent_tasks = [{ task_tag: 'login', per_item: true }]),
        (d) => (d.case_ingestion_config.dependent_tasks = [{ task_tag: 'login', on_error: 'fail' }]),
      ],
      [
        'unknown_input',
        'case_ingestion_config.dependent_tasks[0].input.alert',
        (d) => (d.case_ingestion_config.dependent_tasks = [{ task_tag: 'details', input: { alert: '$.id' } }]),
        (d) => (d.case_ingestion_config.dependent_tasks = [{ task_tag: 'details', input: { alert_id: '$.id' } }]),
      ],
      [
        'invalid_selector',
        'case_ingestion_config.dependent_tasks[0].input.alert_id',
        (d) => (d.case_ingestion_config.dependent_tasks = [{ task_tag: 'details', input: { alert_id: 'steps.x' } }]),
        (d) => (d.case_ingestion_config.dependent_tasks = [{ task_tag: 'details', input: { alert_id: 'item.id' } }]),
      ],
    ];

    it.each(cases)('%s at %s', (code, field, breakIt, passVariant) => {
      expect(errorsOf(breakIt)).toEqual([[field, code]]);
      expect(verify(passVariant).errors).toEqual([]);
    });

    it('covers every code (task_dependency_cycle, tag_in_use and input_in_use have their own tests)', () => {
      const covered = new Set<string>([
        ...cases.map(([code]) => code),
        'task_dependency_cycle',
        'tag_in_use',
        'input_in_use',
      ]);
      expect([...TASK_DEFINITION_ERROR_CODES].filter((c) => !covered.has(c))).toEqual([]);
    });
  });

  describe('dependencies', () => {
    it('refuses a self-dependency as a cycle', () => {
      const result = verify((d) => d.depends_on.push('isolate_host'));
      expect(result.errors).toEqual([
        {
          field: 'depends_on',
          code: 'task_dependency_cycle',
          message: 'dependencies form a cycle: isolate_host → isolate_host',
        },
      ]);
    });

    it('refuses a cycle through saved tasks and the new one, naming it', () => {
      const ctx = context({
        existingTasks: [
          { task_tag: 'a', depends_on: ['b'] },
          { task_tag: 'b', depends_on: ['isolate_host'] },
        ],
      });
      const result = verify((d) => (d.depends_on = ['a']), ctx);
      expect(result.errors.map((e) => [e.field, e.code])).toEqual([['depends_on', 'task_dependency_cycle']]);
      expect(result.errors[0].message).toContain('isolate_host → a → b → isolate_host');
      expect(verify((d) => (d.depends_on = ['b']), ctx).errors.map((e) => e.code)).toEqual(['task_dependency_cycle']);
    });

    it('accepts the same graph without the closing edge', () => {
      const ctx = context({
        existingTasks: [
          { task_tag: 'a', depends_on: ['b'] },
          { task_tag: 'b', depends_on: [] },
        ],
      });
      expect(verify((d) => (d.depends_on = ['a']), ctx).valid).toBe(true);
    });

    it('checks an update against the saved graph without its old version', () => {
      const ctx = context({
        currentTag: 'isolate_host',
        existingTasks: [
          { task_tag: 'isolate_host', depends_on: ['a'] },
          { task_tag: 'a', depends_on: [] },
          { task_tag: 'b', depends_on: ['isolate_host'] },
        ],
      });
      // Its saved version is not a duplicate, and its old dependencies do not count.
      expect(verify((d) => (d.depends_on = []), ctx).valid).toBe(true);
      expect(verify((d) => (d.depends_on = ['b']), ctx).errors.map((e) => e.message)).toEqual([
        'dependencies form a cycle: isolate_host → b → isolate_host',
      ]);
    });

    it('refuses renaming a tag other tasks depend on (tag_in_use), allows it otherwise', () => {
      const existingTasks = [
        { task_tag: 'old_tag', depends_on: [] },
        { task_tag: 'user', depends_on: ['old_tag'] },
      ];
      const renamed = (d: Record<string, any>) => {
        d.task_tag = 'new_tag';
        d.depends_on = [];
      };
      expect(errorsOf(renamed, context({ currentTag: 'old_tag', existingTasks }))).toEqual([
        ['task_tag', 'tag_in_use'],
      ]);
      expect(verify(renamed, context({ currentTag: 'old_tag', existingTasks: [existingTasks[0]] })).valid).toBe(true);
    });
  });

  describe('inputs another task fills', () => {
    const ingestion = (input: Record<string, string>) => ({
      task_tag: 'pull_alerts',
      depends_on: [],
      case_ingestion_config: { dependent_tasks: [{ task_tag: 'isolate_host', input }] },
    });
    const ctx = (input: Record<string, string>) =>
      context({
        currentTag: 'isolate_host',
        existingTasks: [
          { task_tag: 'login', depends_on: [] },
          { task_tag: 'isolate_host', depends_on: [] },
          ingestion(input),
        ],
      });
    // The saved version had a third field, note; this update leaves it out.
    const dropNote = (_d: Record<string, any>) => undefined;

    it('refuses removing an input field a case ingestion fills (input_in_use), naming the field and the task', () => {
      const result = verify(dropNote, ctx({ host_id: '$.host', note: 'item.why' }));
      expect(result.errors.map((e) => [e.field, e.code])).toEqual([['input_fields', 'input_in_use']]);
      expect(result.errors[0].message).toContain('"note"');
      expect(result.errors[0].message).toContain('pull_alerts');
    });

    it('allows removing a field no ingestion fills, and any field when creating', () => {
      expect(verify(dropNote, ctx({ host_id: '$.host', reason: 'item.why' })).valid).toBe(true);
      expect(
        verify(
          dropNote,
          context({ existingTasks: [{ task_tag: 'login', depends_on: [] }, ingestion({ note: 'item.why' })] }),
        ).errors.map((e) => e.code),
      ).not.toContain('input_in_use');
    });
  });

  describe('dependency outputs', () => {
    it('reads {{deps.<tag>.<field>}} only for a task of depends_on', () => {
      const readsAlerts = (d: Record<string, any>) => (d.request.body.count = '{{deps.list_alerts.count}}');
      expect(errorsOf(readsAlerts)).toEqual([['request.body.count', 'unknown_reference']]);
      expect(verify(readsAlerts).errors[0].message).toContain('"list_alerts" is not in the task\'s depends_on');
      expect(
        verify((d) => {
          readsAlerts(d);
          d.depends_on.push('list_alerts');
          d.request.path = '/hosts/{{deps.login["session"]}}/{{ deps.list_alerts.count }}';
        }).errors,
      ).toEqual([]);
    });

    it('needs an output field after the tag', () => {
      expect(errorsOf((d) => (d.request.body.count = '{{deps.login}}'))).toEqual([
        ['request.body.count', 'invalid_template'],
      ]);
      expect(errorsOf((d) => (d.request.body.count = '{{deps.login[0]}}'))).toEqual([
        ['request.body.count', 'invalid_template'],
      ]);
    });

    it('reports a reference to an unknown dependency once, as unknown_dependency', () => {
      expect(
        errorsOf((d) => {
          d.depends_on.push('logout');
          d.request.body.x = '{{deps.logout.y}}';
        }),
      ).toEqual([['depends_on[1]', 'unknown_dependency']]);
    });
  });

  describe('input field names', () => {
    it('takes the names from input_fields unless the caller gives them', () => {
      const body = (d: Record<string, any>) => (d.request.body = { x: '{{input.other}}' });
      expect(errorsOf(body)).toEqual([['request.body.x', 'unknown_reference']]);
      const ctx = context({ inputFieldNames: new Set(['other', 'host_id', 'reason']) });
      expect(verify(body, ctx).valid).toBe(true);
    });
  });

  describe('output fields', () => {
    it.each([
      ['$..id', 'string'],
      ['$.items[0:3]', 'object'],
      ['$.items[?(@.open)]', 'object'],
      ['$.items', 'array'],
      ['$.items', 'any'],
    ])('is_array accepts %s of type %s', (path, type) => {
      expect(verify((d) => Object.assign(d.output_fields[0], { path, type, is_array: true })).valid).toBe(true);
    });

    it('defaults is_array to false', () => {
      expect(verify((d) => delete d.output_fields[0].is_array).valid).toBe(true);
    });
  });
});

describe('withTaskDefaults', () => {
  it('keeps given error handling and fills the missing settings', () => {
    const def = withTaskDefaults({
      name: 'Ping',
      task_tag: 'ping',
      request: { method: 'GET', path: '/ping' },
      error_handling: { retries: 2, backoff: undefined },
    });
    expect(def.error_handling).toEqual({ retries: 2, backoff: 'none', backoff_ms: 0, timeout_ms: 30_000 });
  });

  it('fills every optional part', () => {
    expect(withTaskDefaults({ name: 'Ping', task_tag: 'ping', request: { method: 'GET', path: '/ping' } })).toEqual({
      name: 'Ping',
      task_tag: 'ping',
      description: '',
      input_fields: [],
      output_fields: [],
      depends_on: [],
      request: { method: 'GET', path: '/ping', query: {}, headers: {}, body: null },
      execution_order: 0,
      error_handling: { retries: 0, backoff: 'none', backoff_ms: 0, timeout_ms: 30_000 },
      ingest_cases: false,
      case_ingestion_config: null,
      status: 'active',
    });
  });
});
