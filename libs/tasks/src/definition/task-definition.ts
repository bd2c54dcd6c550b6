// The shape of a task definition as the catalogue stores it (seed 002's TASKS), and the closed value sets its
// fields take. verifyTaskDefinition() checks untrusted input against these; withTaskDefaults() fills the rest.

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type TaskHttpMethod = (typeof HTTP_METHODS)[number];

export const TASK_STATUSES = ['active', 'inactive', 'draft', 'deleted'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const OUTPUT_FIELD_TYPES = ['string', 'number', 'boolean', 'object', 'array', 'any'] as const;
export type OutputFieldType = (typeof OUTPUT_FIELD_TYPES)[number];

export const BACKOFF_KINDS = ['none', 'fixed', 'exponential'] as const;
export type BackoffKind = (typeof BACKOFF_KINDS)[number];

/** Inclusive bounds of the numeric settings. */
export const TASK_LIMITS = {
  nameLength: 255,
  descriptionLength: 10_000,
  tagLength: 64,
  executionOrder: 1_000_000,
  retries: 10,
  backoffMs: 600_000,
  timeoutMsMin: 100,
  timeoutMsMax: 120_000,
  outputFields: 200,
  dependencies: 100,
  pathLength: 2048,
  jsonPathLength: 1024,
} as const;

/** An input field as the integrations' field model defines it; this core reads only its name. */
export interface TaskInputField {
  name: string;
  [key: string]: unknown;
}

export interface TaskOutputField {
  name: string;
  /** JSONPath into the response body, from `$`. */
  path: string;
  type: OutputFieldType;
  is_array: boolean;
}

export interface TaskRequest {
  method: TaskHttpMethod;
  /** Relative to the instance's base URL; `{{...}}` references allowed. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** Any JSON value; strings anywhere inside may hold `{{...}}` references. */
  body: unknown;
}

export interface TaskErrorHandling {
  retries: number;
  backoff: BackoffKind;
  backoff_ms: number;
  timeout_ms: number;
}

export const DEFAULT_ERROR_HANDLING: TaskErrorHandling = {
  retries: 0,
  backoff: 'none',
  backoff_ms: 0,
  timeout_ms: 30_000,
};

/** A verified definition with every default applied. */
export interface TaskDefinition {
  name: string;
  task_tag: string;
  description: string;
  input_fields: TaskInputField[];
  output_fields: TaskOutputField[];
  depends_on: string[];
  request: TaskRequest;
  execution_order: number;
  error_handling: TaskErrorHandling;
  ingest_cases: boolean;
  case_ingestion_config: Record<string, unknown> | null;
  status: TaskStatus;
}

/** What a client sends: name, task_tag and request (method and path) are required, the rest have defaults. */
export interface TaskDefinitionInput {
  name: string;
  task_tag: string;
  description?: string | null;
  input_fields?: TaskInputField[];
  output_fields?: (Omit<TaskOutputField, 'is_array'> & { is_array?: boolean })[];
  depends_on?: string[];
  request: Pick<TaskRequest, 'method' | 'path'> & Partial<Omit<TaskRequest, 'method' | 'path'>>;
  execution_order?: number;
  error_handling?: Partial<TaskErrorHandling>;
  ingest_cases?: boolean;
  case_ingestion_config?: Record<string, unknown> | null;
  status?: TaskStatus;
}

/** Fills the defaults of a definition that verifyTaskDefinition() accepted. */
export function withTaskDefaults(input: TaskDefinitionInput): TaskDefinition {
  return {
    name: input.name,
    task_tag: input.task_tag,
    description: input.description ?? '',
    input_fields: input.input_fields ?? [],
    output_fields: (input.output_fields ?? []).map((f) => ({ ...f, is_array: f.is_array ?? false })),
    depends_on: input.depends_on ?? [],
    request: {
      method: input.request.method,
      path: input.request.path,
      query: input.request.query ?? {},
      headers: input.request.headers ?? {},
      body: input.request.body ?? null,
    },
    execution_order: input.execution_order ?? 0,
    error_handling: {
      ...DEFAULT_ERROR_HANDLING,
      ...Object.fromEntries(
        Object.entries(input.error_handling ?? {}).filter(([, v]) => v !== undefined && v !== null),
      ),
    },
    ingest_cases: input.ingest_cases ?? false,
    case_ingestion_config: input.case_ingestion_config ?? null,
    status: input.status ?? 'active',
  };
}
