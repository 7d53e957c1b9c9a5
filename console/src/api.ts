/** The console's only way to the server: the /v1 API with the signed-in token, as the CLI uses it. */

const TOKEN_KEY = 'kiln.token';

export const session = {
  token: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  signIn: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  signOut: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** An answer other than 2xx, with the API's error type and message. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** Relative to the page: `v1/...` resolves under wherever the API serves the console. */
export async function api<T>(path: string, init: { method?: 'GET' | 'POST'; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = session.token();
  if (token) headers.authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`v1/${path}`, {
    method: init.method ?? 'GET',
    headers,
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await response.text();
  const parsed = text ? (JSON.parse(text) as unknown) : undefined;
  if (!response.ok) {
    const error = (parsed as { error?: { type?: string; message?: string } } | undefined)?.error;
    throw new ApiError(response.status, error?.type ?? 'Error', error?.message ?? response.statusText);
  }
  return parsed as T;
}

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'rejected' | 'cancelled';
export const RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'rejected', 'cancelled'];
export const TRIGGERS = ['schedule', 'new_data', 'drift', 'manual', 'api'] as const;
export const isTerminal = (status: RunStatus) => status !== 'queued' && status !== 'running';

/** A row of `GET /v1/runs`. */
export interface RunRecord {
  id: string;
  project: string;
  status: RunStatus;
  modelName: string;
  trigger: string | null;
  schedule: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
  failureClass: string | null;
}

export interface AttemptView {
  attempt: number;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  failureClass?: string;
  retried?: boolean;
  message?: string;
  startedAt: string;
  finishedAt?: string;
}

export interface StepView {
  step: string;
  status: string;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  message?: string;
  reusedFrom?: string;
  attempts?: AttemptView[];
}

/** `GET /v1/runs/{id}`. */
export interface RunView {
  runId: string;
  project: string;
  modelName: string;
  status: RunStatus;
  steps: StepView[];
  params: Record<string, unknown>;
  datasetVersion?: string;
  sourceDigest?: string;
  environmentDigest?: string;
  metrics: Record<string, number>;
  modelVersion?: number;
  error?: string;
  failureClass?: string;
  resumedFrom?: string;
  trigger?: string;
  schedule?: string;
  web_ui_url?: string;
}

export interface MetricPoint {
  stage: string;
  name: string;
  step: number | null;
  epoch: number | null;
  value: number;
}

export interface StageLog {
  stage: string;
  attempt: number;
  text: string;
  size: number;
  truncated: boolean;
  /** The attempt still runs: its log so far, refreshed every few seconds. */
  live: boolean;
}

/** `GET /v1/whoami`: the permissions of the caller's bindings decide which actions are shown. */
export interface Whoami {
  principal: string;
  bindings: { role: string; permissions: string[] }[];
}

/** What the caller's bindings grant; patterns as the API reads them (`*`, `runs:*`, `runs:cancel`). */
export interface Permissions {
  has(permission: string): boolean;
}

export function permissionsOf(me: Whoami): Permissions {
  const patterns = me.bindings.flatMap((b) => b.permissions);
  const grants = (pattern: string, permission: string) =>
    pattern === '*' || pattern === permission || (pattern.endsWith(':*') && permission.startsWith(pattern.slice(0, -1)));
  return { has: (permission) => patterns.some((pattern) => grants(pattern, permission)) };
}

/** A row of `GET /v1/experiments`: its workflow's state (`completed` covers succeeded and stopped). */
export interface ExperimentSummary {
  experiment_id: string;
  project: string;
  state: 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out';
  started_at: string;
  closed_at?: string;
}

export type TrialStatus = 'running' | 'succeeded' | 'failed' | 'early_stopped' | 'cancelled';

export interface TrialRecord {
  index: number;
  runId: string;
  /** Parameter path (`extras.C`, `learning_rate`) → value. */
  assignment: Record<string, number | string>;
  status: TrialStatus;
  objective?: number;
  reason?: string;
  startedAt: string;
  finishedAt?: string;
}

/** `GET /v1/experiments/{id}`. */
export interface ExperimentView {
  experimentId: string;
  name: string;
  objective: { metric: string; goal: 'maximize' | 'minimize'; target?: number };
  parallelTrialCount: number;
  maxTrialCount: number;
  status: 'running' | 'succeeded' | 'failed' | 'stopped';
  message?: string;
  trials: TrialRecord[];
  best?: TrialRecord;
}
