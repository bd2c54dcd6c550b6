// An instance's polling ingestion settings (issue 19 point 1), checked whole at save time: the window, the paging,
// the task's pagination contract and the case mapping (checkCaseMapping). Pure: the service adds what needs the
// database (the task exists, is active and ingests cases).
import { CaseMapping, checkCaseMapping, jsonPathProblem, MappingProblem } from '../mapping/case-mapping';

export type IngestionPagination =
  { type: 'token'; next_path: string; param: string } | { type: 'page'; param: string } | { type: 'none' };

export interface IngestionConfig {
  task_tag: string;
  interval_seconds: number;
  /** Seconds back from now where the first window starts. */
  first_fetch: number;
  /** Seconds each window starts before the cursor (late arrivals; their repeats are dropped as duplicates). */
  lookback_seconds: number;
  /** A window ends this many seconds before now (items the tool has not settled yet wait for the next run). */
  settle_seconds: number;
  page_size: number;
  max_items_per_run: number;
  /** JSONPath of the items' array in the task's response; the task's first is_array output when null. */
  items_path: string | null;
  pagination: IngestionPagination;
  enabled: boolean;
  mapping: CaseMapping;
}

export const INGESTION_LIMITS = {
  interval_seconds: [1, 86400],
  first_fetch: [0, 90 * 86400],
  lookback_seconds: [0, 7 * 86400],
  settle_seconds: [0, 86400],
  page_size: [1, 1000],
  max_items_per_run: [1, 1_000_000],
} as const;

const DEFAULTS = {
  interval_seconds: 300,
  first_fetch: 86400,
  lookback_seconds: 0,
  settle_seconds: 0,
  page_size: 100,
  max_items_per_run: 10_000,
};

const MAPPING_KEYS = [
  'field_mapping',
  'filter',
  'severity_map',
  'correlation_window_seconds',
  'auto_create_cases',
  'escalation_rules',
] as const;
const OWN_KEYS = [
  'task_tag',
  ...(Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]),
  'items_path',
  'pagination',
  'enabled',
] as const;
const PARAM = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The settings of a PUT body, or every problem found ({ field, code, message }); nothing is partly accepted. */
export function checkIngestionConfig(body: unknown): { config: IngestionConfig | null; problems: MappingProblem[] } {
  const problems: MappingProblem[] = [];
  const bad = (field: string, code: string, message: string) => problems.push({ field, code, message });
  if (!isObject(body)) {
    bad('body', 'invalid_type', 'must be an object');
    return { config: null, problems };
  }
  for (const key of Object.keys(body))
    if (!(OWN_KEYS as readonly string[]).includes(key) && !(MAPPING_KEYS as readonly string[]).includes(key))
      bad(key, 'unknown_key', 'is not an ingestion setting');
  if (typeof body.task_tag !== 'string' || body.task_tag.length === 0 || body.task_tag.length > 200)
    bad('task_tag', 'required', 'must be the tag of a task of the instance’s integration');
  const numbers = {} as Record<keyof typeof DEFAULTS, number>;
  for (const key of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
    const value = body[key] ?? DEFAULTS[key];
    const [min, max] = INGESTION_LIMITS[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
      bad(key, 'out_of_range', `must be a whole number from ${min} to ${max}`);
    else numbers[key] = value;
  }
  let itemsPath: string | null = null;
  if (body.items_path !== undefined && body.items_path !== null) {
    const problem = typeof body.items_path === 'string' ? jsonPathProblem(body.items_path) : 'must be a JSONPath';
    if (problem) bad('items_path', 'invalid_selector', problem);
    else itemsPath = body.items_path as string;
  }
  const pagination = checkPagination(body.pagination, bad);
  if (body.enabled !== undefined && typeof body.enabled !== 'boolean')
    bad('enabled', 'invalid_type', 'must be true or false');
  const mappingBody: Record<string, unknown> = {};
  for (const key of MAPPING_KEYS) if (body[key] !== undefined) mappingBody[key] = body[key];
  const { mapping, problems: mappingProblems } = checkCaseMapping(mappingBody);
  problems.push(...mappingProblems);
  if (problems.length > 0 || !mapping || !pagination) return { config: null, problems };
  return {
    config: {
      task_tag: body.task_tag as string,
      ...numbers,
      items_path: itemsPath,
      pagination,
      enabled: body.enabled !== false,
      mapping,
    },
    problems,
  };
}

function checkPagination(
  value: unknown,
  bad: (field: string, code: string, message: string) => void,
): IngestionPagination | null {
  if (value === undefined || value === null) return { type: 'none' };
  if (!isObject(value)) {
    bad('pagination', 'invalid_type', 'must be { type: token, next_path, param } or { type: page, param }');
    return null;
  }
  const param = value.param;
  const paramOk = (fallback: string): string | null => {
    if (param === undefined) return fallback;
    if (typeof param === 'string' && PARAM.test(param)) return param;
    bad('pagination.param', 'invalid_param', 'must be an input field name (letters, digits, _)');
    return null;
  };
  if (value.type === 'token') {
    for (const key of Object.keys(value))
      if (!['type', 'next_path', 'param'].includes(key))
        bad(`pagination.${key}`, 'unknown_key', 'is not a pagination key');
    const problem = typeof value.next_path === 'string' ? jsonPathProblem(value.next_path) : 'is required (a JSONPath)';
    if (problem) bad('pagination.next_path', 'invalid_selector', problem);
    const p = paramOk('page_token');
    return problem || !p ? null : { type: 'token', next_path: value.next_path as string, param: p };
  }
  if (value.type === 'page') {
    for (const key of Object.keys(value))
      if (!['type', 'param'].includes(key)) bad(`pagination.${key}`, 'unknown_key', 'is not a pagination key');
    const p = paramOk('page');
    return p ? { type: 'page', param: p } : null;
  }
  if (value.type === 'none') return { type: 'none' };
  bad('pagination.type', 'invalid_type', 'must be token, page or none');
  return null;
}

/** Where a run resumes when max_items_per_run stopped it mid-window. */
export interface ResumePoint {
  start: string;
  end: string;
  /** The next page: a token (token pagination) or a number (page pagination). */
  page_token?: string | null;
  page?: number | null;
}

/**
 * The window of the next run: the resume point when one is stored, else [cursor (or now - first_fetch) - lookback,
 * now - settle). Null when the window is empty (the settle delay has not passed yet).
 */
export function nextWindow(
  config: Pick<IngestionConfig, 'first_fetch' | 'lookback_seconds' | 'settle_seconds'>,
  cursor: Date | null,
  resume: ResumePoint | null,
  now: Date,
): { start: Date; end: Date; resume: ResumePoint | null } | null {
  if (resume) return { start: new Date(resume.start), end: new Date(resume.end), resume };
  const base = cursor ?? new Date(now.getTime() - config.first_fetch * 1000);
  const start = new Date(base.getTime() - config.lookback_seconds * 1000);
  const end = new Date(now.getTime() - config.settle_seconds * 1000);
  if (end.getTime() <= start.getTime()) return null;
  return { start, end, resume: null };
}
