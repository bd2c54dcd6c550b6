import {
  type CaseMapping,
  checkCaseMapping,
  compileCaseMapping,
  jsonPathProblem,
  mapItem,
  ruleHolds,
  severityOf,
} from './case-mapping';

describe('checkCaseMapping', () => {
  it('accepts JSONPath and CEL selectors, a filter, a severity map, a window and escalation rules', () => {
    const value = {
      field_mapping: {
        external_id: '$.id',
        title: 'item.rule.name + " on " + item.host',
        severity: '$.level',
        occurred_at: '$.ts',
        case_key: '$.host',
      },
      filter: 'item.level != "debug"',
      severity_map: { sev1: 'critical' },
      correlation_window_seconds: 600,
      auto_create_cases: true,
      escalation_rules: [{ name: 'burst', when: 'case.event_count >= 3 && event.raw.host == "db1"', severity: 'high' }],
      items_path: '$.alerts',
    };
    expect(checkCaseMapping(value)).toEqual({ mapping: value, problems: [] });
  });

  it('names every problem by field and code, and answers no mapping', () => {
    const { mapping, problems } = checkCaseMapping({
      field_mapping: { title: '$.a[', severity: 'item.', bogus: '$.x' },
      filter: 'trigger_data.x == 1',
      severity_map: { p1: 'urgent' },
      correlation_window_seconds: 0,
      auto_create_cases: 'yes',
      escalation_rules: [{ name: '', when: 'case.(', severity: 'huge', extra: 1 }],
      items_path: 'alerts',
      other: true,
    });
    expect(mapping).toBeNull();
    const byField = Object.fromEntries(problems.map((p) => [p.field, p.code]));
    expect(byField).toEqual({
      other: 'unknown_key',
      'field_mapping.bogus': 'unknown_key',
      'field_mapping.external_id': 'required',
      'field_mapping.title': 'invalid_selector',
      'field_mapping.severity': 'invalid_selector',
      filter: 'invalid_expression',
      'severity_map.p1': 'invalid_severity',
      correlation_window_seconds: 'invalid_number',
      auto_create_cases: 'invalid_type',
      items_path: 'invalid_selector',
      'escalation_rules[0].name': 'required',
      'escalation_rules[0].when': 'invalid_expression',
      'escalation_rules[0].severity': 'invalid_severity',
      'escalation_rules[0].extra': 'unknown_key',
    });
  });

  it('refuses a mapping that is not an object, and one without field_mapping', () => {
    expect(checkCaseMapping([]).problems[0]).toMatchObject({ field: 'case_mapping', code: 'invalid_type' });
    expect(checkCaseMapping({}).problems[0]).toMatchObject({ field: 'field_mapping', code: 'required' });
  });

  it("refuses JSONPath script expressions, unbalanced brackets and jsonpath-plus's own #N syntax", () => {
    expect(jsonPathProblem('$..[(@.length-1)]')).toMatch(/script/);
    expect(jsonPathProblem('$.a[0')).toMatch(/without/);
    expect(jsonPathProblem('$.#0')).toMatch(/"#" followed by digits/);
    expect(checkCaseMapping({ field_mapping: { external_id: '$.#0', title: '$.t' } }).problems).toContainEqual(
      expect.objectContaining({ field: 'field_mapping.external_id' }),
    );
    expect(jsonPathProblem('$.a[?(@.b == 1)]')).toBeNull();
  });
});

describe('mapItem', () => {
  const compiled = compileCaseMapping({
    field_mapping: {
      external_id: '$.id',
      title: 'item.rule + " on " + item.host',
      severity: '$.level',
      status: '$.state',
      occurred_at: '$.ts',
      case_key: '$.host',
    },
    filter: 'item.level != "debug"',
    severity_map: { SEV1: 'critical' },
  });

  it('maps JSONPath and CEL fields and keeps the raw item', () => {
    const raw = { id: 42, rule: 'brute force', host: 'db1', level: 'sev1', state: 'new', ts: 1_700_000_000 };
    expect(mapItem(compiled, raw)).toEqual({
      kind: 'mapped',
      item: {
        external_id: '42',
        title: 'brute force on db1',
        severity: 'critical',
        status: 'new',
        occurred_at: new Date(1_700_000_000_000),
        case_key: 'db1',
        raw,
      },
    });
  });

  it('filters by the CEL filter and counts items without an external id (or failing) as invalid', () => {
    expect(mapItem(compiled, { id: 'a', level: 'debug', rule: 'r', host: 'h' })).toEqual({ kind: 'filtered' });
    expect(mapItem(compiled, { level: 'high', rule: 'r', host: 'h' })).toEqual({ kind: 'invalid' });
    // The CEL title reads a missing key: the item cannot be mapped.
    expect(mapItem(compiled, { id: 'b', level: 'high' })).toEqual({ kind: 'invalid' });
    expect(mapItem(compiled, 'not an object')).toEqual({ kind: 'invalid' });
  });

  it('reads times as ISO text, epoch seconds or milliseconds, and leaves unreadable ones null', () => {
    const time = (ts: unknown) => {
      const out = mapItem(compiled, { id: 'x', level: 'low', rule: 'r', host: 'h', ts });
      return out.kind === 'mapped' ? out.item.occurred_at : 'not mapped';
    };
    expect(time('2026-12-06T10:00:00Z')).toEqual(new Date('2026-12-06T10:00:00Z'));
    expect(time(1_765_000_000_000)).toEqual(new Date(1_765_000_000_000));
    expect(time('1765000000')).toEqual(new Date(1_765_000_000_000));
    expect(time('yesterday')).toBeNull();
    expect(time(undefined)).toBeNull();
  });
});

describe('the evaluation budget', () => {
  it('counts an item whose expression runs too long as invalid instead of blocking', () => {
    const slow = compileCaseMapping({
      field_mapping: { external_id: '$.id' },
      filter: 'item.xs.all(a, item.xs.all(b, a + b >= 0))',
    });
    const xs = Array.from({ length: 1000 }, (_, i) => i);
    const started = Date.now();
    expect(mapItem(slow, { id: 'x', xs })).toEqual({ kind: 'invalid' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(mapItem(slow, { id: 'y', xs: [1, 2] })).toMatchObject({ kind: 'mapped' });
  });
});

describe('severityOf and ruleHolds', () => {
  it('maps tool values (case-insensitive), keeps ours, and drops unknown ones', () => {
    expect(severityOf('P1', { p1: 'critical' })).toBe('critical');
    expect(severityOf('HIGH', undefined)).toBe('high');
    expect(severityOf('sev9', { p1: 'critical' })).toBeNull();
    expect(severityOf(undefined, undefined)).toBeNull();
  });

  it('holds only for a CEL true; errors count as not holding', () => {
    const { rules } = compileCaseMapping({
      field_mapping: { external_id: '$.id' },
      escalation_rules: [
        { name: 'count', when: 'case.event_count >= 3', severity: 'high' },
        { name: 'broken', when: 'event.raw.missing.deeper == 1', severity: 'critical' },
      ],
    });
    expect(ruleHolds(rules[0].when, { case: { event_count: 3 }, event: {} })).toBe(true);
    expect(ruleHolds(rules[0].when, { case: { event_count: 2 }, event: {} })).toBe(false);
    expect(ruleHolds(rules[1].when, { case: {}, event: { raw: {} } })).toBe(false);
  });

  it('lets rules read event.enrichment.<tag>.<field> (the dependent tasks’ outputs); absent, the rule does not hold', () => {
    const mapping: CaseMapping = {
      field_mapping: { external_id: '$.id' },
      escalation_rules: [
        { name: 'scored', when: 'event.enrichment.alert_details.score >= 80', severity: 'critical' },
        {
          name: 'guarded',
          when: 'has(event.enrichment.alert_details) && event.enrichment.alert_details.bad',
          severity: 'high',
        },
      ],
    };
    expect(checkCaseMapping(mapping).problems).toEqual([]);
    const { rules } = compileCaseMapping(mapping);
    const event = (enrichment: unknown) => ({ case: {}, event: { raw: {}, enrichment } });
    expect(ruleHolds(rules[0].when, event({ alert_details: { score: 92 } }))).toBe(true);
    expect(ruleHolds(rules[0].when, event({ alert_details: { score: 12 } }))).toBe(false);
    expect(ruleHolds(rules[0].when, event({ alert_details: { error: { code: 'x', message: 'y' } } }))).toBe(false);
    expect(ruleHolds(rules[0].when, event({}))).toBe(false);
    expect(ruleHolds(rules[1].when, event({}))).toBe(false);
    expect(ruleHolds(rules[1].when, event({ alert_details: { bad: true } }))).toBe(true);
  });
});
