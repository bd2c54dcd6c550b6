import { checkIngestionConfig, nextWindow } from './ingestion-config';

const BASE = {
  task_tag: 'pull',
  field_mapping: { external_id: '$.id' },
};

describe('checkIngestionConfig', () => {
  it('fills the defaults and splits off the case mapping', () => {
    const { config, problems } = checkIngestionConfig({ ...BASE, filter: "item.level != 'debug'" });
    expect(problems).toEqual([]);
    expect(config).toMatchObject({
      task_tag: 'pull',
      interval_seconds: 300,
      first_fetch: 86400,
      lookback_seconds: 0,
      settle_seconds: 0,
      page_size: 100,
      max_items_per_run: 10000,
      items_path: null,
      pagination: { type: 'none' },
      enabled: true,
      mapping: { field_mapping: { external_id: '$.id' }, filter: "item.level != 'debug'" },
    });
  });

  it('reads both paginations with their default params', () => {
    expect(
      checkIngestionConfig({ ...BASE, pagination: { type: 'token', next_path: '$.next' } }).config?.pagination,
    ).toEqual({ type: 'token', next_path: '$.next', param: 'page_token' });
    expect(checkIngestionConfig({ ...BASE, pagination: { type: 'page' } }).config?.pagination).toEqual({
      type: 'page',
      param: 'page',
    });
  });

  it('names every problem and accepts nothing', () => {
    const { config, problems } = checkIngestionConfig({
      task_tag: '',
      page_size: 0,
      interval_seconds: 1.5,
      items_path: 'alerts',
      pagination: { type: 'token', next_path: '$[(1)]', param: 'a-b' },
      enabled: 'yes',
      field_mapping: { title: '$.t' },
      filter: 'item.(',
      surprise: 1,
    });
    expect(config).toBeNull();
    expect(problems.map((p) => p.field)).toEqual(
      expect.arrayContaining([
        'task_tag',
        'page_size',
        'interval_seconds',
        'items_path',
        'pagination.next_path',
        'pagination.param',
        'enabled',
        'field_mapping.external_id',
        'filter',
        'surprise',
      ]),
    );
  });
});

describe('nextWindow', () => {
  const cfg = { first_fetch: 3600, lookback_seconds: 60, settle_seconds: 10 };
  const now = new Date('2026-12-06T12:00:00Z');

  it('starts first_fetch back the first time, minus the lookback, and ends settle before now', () => {
    expect(nextWindow(cfg, null, null, now)).toEqual({
      start: new Date('2026-12-06T10:59:00Z'),
      end: new Date('2026-12-06T11:59:50Z'),
      resume: null,
    });
  });

  it('starts at the cursor minus the lookback afterwards; a resume point wins', () => {
    expect(nextWindow(cfg, new Date('2026-12-06T11:50:00Z'), null, now)?.start).toEqual(
      new Date('2026-12-06T11:49:00Z'),
    );
    const resume = { start: '2026-12-06T11:00:00.000Z', end: '2026-12-06T11:30:00.000Z', page_token: 'p3' };
    expect(nextWindow(cfg, new Date('2026-12-06T11:50:00Z'), resume, now)).toEqual({
      start: new Date(resume.start),
      end: new Date(resume.end),
      resume,
    });
  });

  it('is empty while the settle delay has not passed', () => {
    expect(nextWindow({ ...cfg, lookback_seconds: 0 }, new Date('2026-12-06T11:59:55Z'), null, now)).toBeNull();
  });
});
