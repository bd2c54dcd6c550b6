import { ChainException } from './chain.exception';
import { StepDefinition, credentialsUsed, normalizeSteps, validateDefinition } from './chain-definition';

const WEBHOOK = '0196B8A0-7C1E-7D3A-9F00-3C2E51A1B001';

function step(extra: Partial<StepDefinition> = {}): StepDefinition {
  const [normalized] = normalizeSteps([{ webhook_id: WEBHOOK, name: 'Pay' }], 'step');
  return { ...normalized, ...extra };
}

/** The error a one-step definition gets, or null. */
function problem(extra: Partial<StepDefinition>): { code: string; message: string; field: unknown } | null {
  try {
    validateDefinition([step(extra)], []);
    return null;
  } catch (err) {
    if (!(err instanceof ChainException)) throw err;
    return { code: err.code, message: err.message, field: err.details[0]?.field };
  }
}

describe('chain definitions', () => {
  it('stores webhook ids lower-case', () => {
    expect(step().webhook_id).toBe(WEBHOOK.toLowerCase());
  });

  it('allows credentials only as whole templates, and lists them', () => {
    const ok = step({
      request_params: { a: '{{credentials.key}}', b: 'x {{ credentials["other"] }} y' },
      headers: { Authorization: 'Bearer {{credentials.key}}' },
    });
    expect(() => validateDefinition([ok], [])).not.toThrow();
    expect([...credentialsUsed(ok)].sort()).toEqual(['key', 'other']);
    for (const extra of [
      { request_params: { a: '{{ credentials.key.upperAscii() }}' } },
      { request_params: { a: '{{ trigger_data[credentials.key] }}' } },
      { headers: { 'X-A': '{{ credentials.key + "x" }}' } },
      { condition: 'credentials.key == "x"' },
    ]) {
      expect(problem(extra), JSON.stringify(extra)).toMatchObject({
        code: 'invalid_chain_step',
        message: expect.stringMatching(/credentials can only be used on their own/),
      });
    }
  });

  it('refuses unclosed templates, unknown functions, non-boolean conditions and deep macro nesting', () => {
    expect(problem({ request_params: { a: { b: 'x {{ trigger_data.y' } } })).toMatchObject({
      code: 'invalid_template',
      field: 'steps[0].request_params.a.b',
    });
    expect(problem({ request_params: { a: '{{ foo(1) }}' } })).toMatchObject({
      code: 'invalid_template',
      message: expect.stringMatching(/does not type-check/),
    });
    expect(problem({ condition: '"abc"' })).toMatchObject({
      code: 'invalid_condition',
      message: expect.stringMatching(/is a string/),
    });
    expect(problem({ condition: 'foo(1)' })).toMatchObject({ code: 'invalid_condition' });
    expect(problem({ condition: 'trigger_data.flag' })).toBeNull();
    expect(
      problem({
        request_params: { n: '{{ trigger_data.l.map(a, trigger_data.l.map(b, trigger_data.l.map(c, c))) }}' },
      }),
    ).toMatchObject({
      code: 'invalid_template',
      message: expect.stringMatching(/nests macros .* 3 deep/),
    });
    expect(problem({ request_params: { n: '{{ trigger_data.l.all(a, a.tags.exists(t, t == "x")) }}' } })).toBeNull();
  });

  it('applies the subscriptions header rule to names and to the text around templates', () => {
    const refused: Record<string, string>[] = [
      { 'X-A': 'a\r\nb' },
      { 'X-A': '日本' },
      { 'X-A': '日本 {{trigger_data.x}}' },
      { 'X-A': 'a', 'x-a': 'b' },
      { Connection: 'close' },
      { 'Proxy-Foo': 'x' },
    ];
    for (const headers of refused) {
      expect(problem({ headers }), JSON.stringify(headers)).toMatchObject({
        code: 'invalid_chain_step',
        message: expect.stringMatching(/header .* is not allowed/),
      });
    }
    expect(
      problem({ headers: { 'X-A': 'a\tb {{ trigger_data.x }}', Authorization: 'Bearer {{credentials.k}}' } }),
    ).toBeNull();
  });

  it('requires and refuses the fields of each step type', () => {
    const [task] = normalizeSteps(
      [
        {
          type: 'task',
          name: 'Enrich',
          instance_id: '0196B8A0-7C1E-7D3A-9F00-3C2E51A1C001',
          task_tag: 'enrich_ip',
          input: { ip: '{{trigger_data.ip}}', n: 1 },
        },
      ],
      'step',
    );
    expect(task).toMatchObject({
      step_type: 'task',
      webhook_id: null,
      instance_uuid: '0196b8a0-7c1e-7d3a-9f00-3c2e51a1c001',
      task_tag: 'enrich_ip',
    });
    expect(step().step_type).toBe('webhook');
    const taskProblem = (extra: Partial<StepDefinition>) => problem({ ...task, ...extra });
    expect(taskProblem({})).toBeNull();
    expect(taskProblem({ webhook_id: 'x' })).toMatchObject({
      code: 'invalid_chain_step',
      field: 'steps[0].webhook_id',
    });
    expect(taskProblem({ request_params: {} })).toMatchObject({ field: 'steps[0].request_params' });
    expect(taskProblem({ headers: { 'X-A': 'b' } })).toMatchObject({ field: 'steps[0].headers' });
    expect(taskProblem({ instance_uuid: null })).toMatchObject({ field: 'steps[0].instance_id' });
    expect(taskProblem({ task_tag: null })).toMatchObject({ field: 'steps[0].task_tag' });
    expect(taskProblem({ task_input: { a: { b: '{{credentials.key}}' } } })).toMatchObject({
      code: 'invalid_chain_step',
      field: 'steps[0].input.a.b',
      message: expect.stringMatching(/instance holds its own credentials/),
    });
    expect(taskProblem({ task_input: { a: '{{ step_1.outputs.x }}' } })).toMatchObject({ code: 'invalid_template' });
    expect(taskProblem({ task_input: { a: '{{ trigger_data.x' } })).toMatchObject({ field: 'steps[0].input.a' });
    expect(problem({ webhook_id: null })).toMatchObject({ field: 'steps[0].webhook_id' });
    expect(problem({ task_tag: 't' })).toMatchObject({ field: 'steps[0].task_tag' });
    expect(problem({ task_input: {} })).toMatchObject({ field: 'steps[0].input' });
  });
});
