import { checkExpression, compileExpression } from './expression';
import { EvaluationBudgetError, withinEvaluationBudget } from './evaluation-budget';
import { buildRunContext, evaluateCondition } from './run-context';
import {
  CredentialSlots,
  TemplateError,
  UnclosedTemplateError,
  compileTemplates,
  fillCredentials,
  findTemplates,
  renderTemplates,
} from './template';

const context = buildRunContext({
  run: {
    id: 'run-1',
    chain_id: 'chain-1',
    trigger_event: 'order.placed',
    trigger_event_id: null,
    created_at: new Date('2026-01-01T00:00:00Z'),
  },
  triggerData: {
    order_id: 'o-1',
    order_amount: 120.5,
    count: 3,
    items: [{ sku: 'a', qty: 2 }],
    customer: { tier: 'gold' },
  },
  steps: [
    {
      step_order: 1,
      name: 'Process Payment',
      status: 'sent',
      response_code: 200,
      response: { payment_id: 'pay_1', fraud_score: 12 },
    },
  ],
  now: new Date('2026-01-02T03:04:05Z'),
});

/** Renders without credentials (there are none in these templates). */
const render = (value: unknown) => fillCredentials(renderTemplates(value, context), () => undefined);

describe('templates', () => {
  it('keeps the JSON type of a value that is exactly one template', () => {
    const out = render({
      items: '{{.trigger_data.items}}',
      amount: '{{trigger_data.order_amount}}',
      count: ' {{ trigger_data.count }} ',
      tier: '{{trigger_data.customer}}',
    });
    expect(out).toEqual({ items: [{ sku: 'a', qty: 2 }], amount: 120.5, count: 3, tier: { tier: 'gold' } });
  });

  it("reads earlier steps by number and by name, the seed's leading-dot form included", () => {
    expect(
      render({ a: '{{.step_1.response.payment_id}}', b: '{{steps["Process Payment"].response.fraud_score}}' }),
    ).toEqual({ a: 'pay_1', b: 12 });
  });

  it('interpolates several templates or surrounding text as text', () => {
    expect(render('Order {{trigger_data.order_id}} x{{trigger_data.count}} {{trigger_data.items}}')).toBe(
      'Order o-1 x3 [{"sku":"a","qty":2}]',
    );
  });

  it('leaves credentials out of CEL: slots filled after evaluation, once with values and once masked', () => {
    const rendered = renderTemplates(
      {
        h: 'Bearer {{credentials.api_key}}',
        k: '{{ .credentials.api_key }}',
        n: '{{trigger_data.count}}',
        q: '{{credentials["api_key"]}}',
      },
      context,
    );
    expect(rendered.usesCredentials).toBe(true);
    expect((rendered.value as Record<string, unknown>).h).toBeInstanceOf(CredentialSlots);
    const values = { api_key: 'sk_live_secret' } as Record<string, string>;
    expect(fillCredentials(rendered, (n) => values[n])).toEqual({
      h: 'Bearer sk_live_secret',
      k: 'sk_live_secret',
      n: 3,
      q: 'sk_live_secret',
    });
    expect(fillCredentials(rendered, () => '[REDACTED]')).toEqual({
      h: 'Bearer [REDACTED]',
      k: '[REDACTED]',
      n: 3,
      q: '[REDACTED]',
    });
    expect(() => fillCredentials(rendered, () => undefined)).toThrow(
      /h: \{\{credentials\.api_key\}\}: no credential named api_key/,
    );
    expect(renderTemplates({ a: '{{trigger_data.order_id}}' }, context).usesCredentials).toBe(false);
  });

  it('refuses any other use of credentials, whatever the context holds', () => {
    for (const expression of [
      'credentials.api_key.upperAscii()',
      'trigger_data[credentials.api_key]',
      'credentials.api_key.substring(1)',
      'size(credentials)',
    ]) {
      expect(() =>
        renderTemplates({ a: `{{${expression}}}` }, { ...context, credentials: { api_key: 'sk_live_secret' } }),
      ).toThrow(/credentials can only be used on their own/);
    }
    expect(() => evaluateCondition('credentials.api_key == "x"', context)).toThrow(
      /credentials can only be used on their own/,
    );
  });

  it('refuses an unclosed template instead of sending it as text', () => {
    expect(() => findTemplates({ a: 'x {{ trigger_data.order_id' })).toThrow(UnclosedTemplateError);
    expect(() => render({ a: { b: 'ok {{trigger_data.count}} then {{ trigger_data.x' } })).toThrow(
      /a\.b: "\{\{ trigger_data\.x" is not closed/,
    );
    expect(render({ a: 'braces } and }} alone are text' })).toEqual({ a: 'braces } and }} alone are text' });
  });

  it('offers the run, the time, and CEL arithmetic and macros', () => {
    expect(
      render(['{{run.id}}', '{{now}}', '{{trigger_data.count + 1}}', '{{trigger_data.items.map(i, i.sku)}}']),
    ).toEqual(['run-1', '2026-01-02T03:04:05.000Z', 4, ['a']]);
  });

  it('leaves strings without templates and non-strings alone', () => {
    expect(render({ a: 'plain', b: 1, c: null, d: [true] })).toEqual({ a: 'plain', b: 1, c: null, d: [true] });
  });

  it('names the path and expression that failed', () => {
    expect(() => render({ x: { y: '{{trigger_data.missing}}' } })).toThrow(TemplateError);
    expect(() => render({ x: { y: '{{trigger_data.missing}}' } })).toThrow(
      /x\.y: \{\{trigger_data\.missing\}\}: No such key: missing/,
    );
    expect(() => compileTemplates({ a: ['{{ 1 + }}'] })).toThrow(/a\[0\]/);
  });

  it('finds templates with their paths', () => {
    expect(findTemplates({ a: 'x {{p}} {{q}}', b: [{ c: '{{r}}' }] })).toEqual([
      { path: 'a', expression: 'p' },
      { path: 'a', expression: 'q' },
      { path: 'b[0].c', expression: 'r' },
    ]);
  });
});

describe('conditions', () => {
  it('evaluates booleans, with or without braces, mixing ints and doubles', () => {
    expect(evaluateCondition('step_1.response.fraud_score < 50', context)).toBe(true);
    expect(evaluateCondition('{{ trigger_data.order_amount > 100 }}', context)).toBe(true);
    expect(evaluateCondition('trigger_data.customer.tier == "silver"', context)).toBe(false);
  });

  it('refuses a non-boolean result, naming its type and not its value', () => {
    expect(() => evaluateCondition('trigger_data.count', context)).toThrow(
      'condition must be true or false, got a number',
    );
    expect(() => evaluateCondition('trigger_data.order_id', context)).toThrow(
      'condition must be true or false, got a string',
    );
  });
});

describe('expression references', () => {
  it('lists steps, step names, credentials and roots, ignoring macro variables', () => {
    const refs = compileExpression(
      'step_2.response.x + steps["Pay"].y + steps.Ship.z + credentials.key + trigger_data.items.map(i, i.sku).size() + foo',
    ).references;
    expect([...refs.stepNumbers]).toEqual([2]);
    expect([...refs.stepNames].sort()).toEqual(['Pay', 'Ship']);
    expect([...refs.credentialNames]).toEqual(['key']);
    expect(refs.dynamicCredentials).toBe(false);
    expect([...refs.roots].sort()).toEqual(['credentials', 'foo', 'steps', 'trigger_data']);
  });

  it('flags credentials read without a static name', () => {
    expect(compileExpression('credentials[trigger_data.which]').references.dynamicCredentials).toBe(true);
  });

  it('recognises a whole credential reference, and nothing else', () => {
    expect(compileExpression('credentials.key').credential).toBe('key');
    expect(compileExpression(' .credentials["key"] ').credential).toBe('key');
    for (const e of [
      'credentials.key.upperAscii()',
      'credentials.?key',
      'credentials',
      'x.credentials.key',
      'credentials[trigger_data.k]',
    ]) {
      expect(compileExpression(e).credential, e).toBeNull();
    }
  });

  it('measures how deep comprehension macros nest, and which expressions are cheap', () => {
    expect(
      compileExpression('l.map(a, l.map(b, l.map(c, l.filter(d, d > a + b + c).size()))).size()').references
        .comprehensionNesting,
    ).toBe(4);
    expect(compileExpression('l.filter(x, x > 1).map(y, y + 1)').references.comprehensionNesting).toBe(1);
    expect(
      compileExpression('trigger_data.items.all(i, i.tags.exists(t, t == "x"))').references.comprehensionNesting,
    ).toBe(2);
    expect(compileExpression('step_1.response.score >= 50 && trigger_data["a"].b != null').cheap).toBe(true);
    for (const e of ['l.map(a, a)', 'size(l)', 'l + l', '[l, l]', '"a".matches("b")'])
      expect(compileExpression(e).cheap, e).toBe(false);
  });

  it('type-checks: unknown functions and impossible overloads are errors, data-dependent types are dyn', () => {
    expect(checkExpression('trigger_data.x')).toBe('dyn');
    expect(checkExpression('step_1.response.score < 50')).toBe('bool');
    expect(checkExpression('"abc"')).toBe('string');
    expect(() => checkExpression('foo(1)')).toThrow(/foo/);
    expect(() => checkExpression('1 + "a"')).toThrow();
  });
});

describe('evaluation budget', () => {
  it('interrupts an evaluation that runs past its budget, and the evaluator keeps working', () => {
    const bomb = compileExpression('l.map(a, l.map(b, l.filter(c, c > a + b).size()))');
    const big = buildRunContext({ ...runInput(), triggerData: Array.from({ length: 2000 }, (_, i) => i) });
    const started = Date.now();
    expect(() => withinEvaluationBudget(() => bomb.evaluate({ ...big, l: big.trigger_data }), 50)).toThrow(
      EvaluationBudgetError,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    expect(withinEvaluationBudget(() => render({ n: '{{ trigger_data.items.map(i, i.qty).size() }}' }))).toEqual({
      n: 1,
    });
  });
});

function runInput() {
  return {
    run: {
      id: 'run-1',
      chain_id: 'chain-1',
      trigger_event: 'order.placed',
      trigger_event_id: null,
      created_at: new Date('2026-01-01T00:00:00Z'),
    },
    triggerData: {},
    steps: [],
    now: new Date('2026-01-02T03:04:05Z'),
  };
}

describe('outputs in the run context', () => {
  it("shows a step's response as outputs too, by number and by name, in templates and conditions", () => {
    const ctx = buildRunContext({
      run: { id: 'r', chain_id: 'c', trigger_event: 'alert', trigger_event_id: null, created_at: new Date(0) },
      triggerData: {},
      steps: [
        { step_order: 1, name: 'Enrich', status: 'sent', response_code: 200, response: { verdict: 'malicious' } },
      ],
      now: new Date(0),
    });
    expect(
      renderTemplates(
        {
          a: '{{.step_1.outputs.verdict}}',
          b: '{{steps["Enrich"].outputs.verdict}}',
          c: '{{step_1.response.verdict}}',
        },
        ctx,
      ).value,
    ).toEqual({ a: 'malicious', b: 'malicious', c: 'malicious' });
    expect(evaluateCondition('step_1.outputs.verdict == "malicious"', ctx)).toBe(true);
    expect(evaluateCondition('{{ steps["Enrich"].outputs.verdict == "benign" }}', ctx)).toBe(false);
  });
});
