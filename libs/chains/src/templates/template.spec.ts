import { compileExpression } from './expression';
import { buildRunContext, evaluateCondition } from './run-context';
import { TemplateError, compileTemplates, findTemplates, renderTemplates } from './template';

const context = buildRunContext({
  run: { id: 'run-1', chain_id: 'chain-1', trigger_event: 'order.placed', trigger_event_id: null, created_at: new Date('2026-01-01T00:00:00Z') },
  triggerData: { order_id: 'o-1', order_amount: 120.5, count: 3, items: [{ sku: 'a', qty: 2 }], customer: { tier: 'gold' } },
  steps: [{ step_order: 1, name: 'Process Payment', status: 'sent', response_code: 200, response: { payment_id: 'pay_1', fraud_score: 12 } }],
  credentials: { api_key: 'sk_live_secret' },
  now: new Date('2026-01-02T03:04:05Z'),
});

describe('templates', () => {
  it('keeps the JSON type of a value that is exactly one template', () => {
    const out = renderTemplates(
      { items: '{{.trigger_data.items}}', amount: '{{trigger_data.order_amount}}', count: ' {{ trigger_data.count }} ', tier: '{{trigger_data.customer}}' },
      context,
    );
    expect(out).toEqual({ items: [{ sku: 'a', qty: 2 }], amount: 120.5, count: 3, tier: { tier: 'gold' } });
  });

  it("reads earlier steps by number and by name, the seed's leading-dot form included", () => {
    expect(renderTemplates({ a: '{{.step_1.response.payment_id}}', b: '{{steps["Process Payment"].response.fraud_score}}' }, context)).toEqual({ a: 'pay_1', b: 12 });
  });

  it('interpolates several templates or surrounding text as text', () => {
    expect(renderTemplates('Order {{trigger_data.order_id}} x{{trigger_data.count}} {{trigger_data.items}}', context)).toBe('Order o-1 x3 [{"sku":"a","qty":2}]');
    expect(renderTemplates('Bearer {{credentials.api_key}}', context)).toBe('Bearer sk_live_secret');
  });

  it('offers the run, the time, and CEL arithmetic and macros', () => {
    expect(renderTemplates(['{{run.id}}', '{{now}}', '{{trigger_data.count + 1}}', '{{trigger_data.items.map(i, i.sku)}}'], context)).toEqual([
      'run-1',
      '2026-01-02T03:04:05.000Z',
      4,
      ['a'],
    ]);
  });

  it('leaves strings without templates and non-strings alone', () => {
    expect(renderTemplates({ a: 'plain', b: 1, c: null, d: [true] }, context)).toEqual({ a: 'plain', b: 1, c: null, d: [true] });
  });

  it('names the path and expression that failed', () => {
    expect(() => renderTemplates({ x: { y: '{{trigger_data.missing}}' } }, context)).toThrow(TemplateError);
    expect(() => renderTemplates({ x: { y: '{{trigger_data.missing}}' } }, context)).toThrow(/x\.y: \{\{trigger_data\.missing\}\}: No such key: missing/);
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

  it('refuses a non-boolean result', () => {
    expect(() => evaluateCondition('trigger_data.count', context)).toThrow(/true or false/);
  });
});

describe('expression references', () => {
  it('lists steps, step names, credentials and roots, ignoring macro variables', () => {
    const refs = compileExpression('step_2.response.x + steps["Pay"].y + steps.Ship.z + credentials.key + trigger_data.items.map(i, i.sku).size() + foo').references;
    expect([...refs.stepNumbers]).toEqual([2]);
    expect([...refs.stepNames].sort()).toEqual(['Pay', 'Ship']);
    expect([...refs.credentialNames]).toEqual(['key']);
    expect(refs.dynamicCredentials).toBe(false);
    expect([...refs.roots].sort()).toEqual(['credentials', 'foo', 'steps', 'trigger_data']);
  });

  it('flags credentials read without a static name', () => {
    expect(compileExpression('credentials[trigger_data.which]').references.dynamicCredentials).toBe(true);
  });
});
