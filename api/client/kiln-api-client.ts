import type { FieldProblem } from '../../core/errors.js';
import type { RunProgress, RunStatus } from '../../core/pipeline/run-progress.js';
import type { ExperimentView } from '../../workflows/experiment-state.js';

/** An error answered by the Kiln API, with the fields it names. */
export class KilnApiError extends Error {
  override readonly name = 'KilnApiError';
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
  }
}

export interface StartedRun {
  run_id: string;
  workflow_id: string;
  /** `queued` for a new run; an existing run's current status. */
  status: RunStatus;
  web_ui_url?: string;
  /** True when an idempotency key named a run that was already started. */
  existing: boolean;
}

export interface ResumedRun {
  run_id: string;
  workflow_id: string;
  status: RunStatus;
  web_ui_url?: string;
  /** The run it resumes. */
  resumed_from: string;
  /** The original's completed stages that the new run reuses instead of running. */
  reused_stages: string[];
}

export interface StartRunOptions {
  /** Sent as the `Idempotency-Key` header: starts with the same key return the same run. */
  idempotencyKey?: string;
}

export type RunView = RunProgress & { web_ui_url?: string };
export type { ExperimentView };

/** Typed HTTP client for the Kiln API; used by the CLI, the demo and services that start runs. */
export class KilnApiClient {
  constructor(readonly baseUrl: string) {}

  health = () => this.call<{ status: string }>('GET', '/v1/health');
  applyEnvironment = (spec: unknown) => this.call<{ name: string; spec_digest: string; build_status: string }>('POST', '/v1/environments', spec);
  applyDataset = (spec: unknown) => this.call<Record<string, unknown>>('POST', '/v1/datasets', spec);
  applyProject = (spec: unknown) => this.call<Record<string, unknown>>('POST', '/v1/projects', spec);
  listEnvironments = () => this.call<unknown[]>('GET', '/v1/environments');
  listDatasets = () => this.call<unknown[]>('GET', '/v1/datasets');
  listProjects = () => this.call<unknown[]>('GET', '/v1/projects');
  startRun = (request: unknown, options: StartRunOptions = {}) =>
    this.call<StartedRun>('POST', '/v1/runs', request, options.idempotencyKey === undefined ? {} : { 'idempotency-key': options.idempotencyKey });
  getRun = (runId: string) => this.call<RunView>('GET', `/v1/runs/${encodeURIComponent(runId)}`);
  resumeRun = (runId: string) => this.call<ResumedRun>('POST', `/v1/runs/${encodeURIComponent(runId)}/resume`);
  cancelRun = (runId: string) => this.call<{ run_id: string; status: string }>('POST', `/v1/runs/${encodeURIComponent(runId)}/cancel`);
  listRuns = (query: { project?: string; status?: string; limit?: number } = {}) => {
    const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]): [string, string] => [k, String(v)]));
    return this.call<Record<string, unknown>[]>('GET', `/v1/runs${params.size ? `?${params}` : ''}`);
  };
  listModelVersions = (name?: string) => this.call<Record<string, unknown>[]>('GET', name ? `/v1/models/${encodeURIComponent(name)}/versions` : '/v1/models');
  rollbackModel = (name: string, toVersion?: number) =>
    this.call<{ model: string; version: number; url: string; rolled_back_from: number | null }>('POST', `/v1/models/${encodeURIComponent(name)}/rollback`, toVersion === undefined ? {} : { to_version: toVersion });
  createExperiment = (spec: unknown) => this.call<{ experiment_id: string; status: string; web_ui_url?: string }>('POST', '/v1/experiments', spec);
  getExperiment = (id: string) => this.call<ExperimentView>('GET', `/v1/experiments/${encodeURIComponent(id)}`);
  bestTrial = (id: string) => this.call<{ experiment_id: string; trial: ExperimentView['trials'][number] }>('GET', `/v1/experiments/${encodeURIComponent(id)}/best`);
  promoteBestTrial = (id: string) => this.call<{ experiment_id: string; trial: number; run_id: string; reused_stages: string[] }>('POST', `/v1/experiments/${encodeURIComponent(id)}/promote`);
  stopExperiment = (id: string) => this.call<{ experiment_id: string; status: string }>('POST', `/v1/experiments/${encodeURIComponent(id)}/stop`);
  extendExperiment = (id: string, maxTrialCount: number) => this.call<ExperimentView>('POST', `/v1/experiments/${encodeURIComponent(id)}/extend`, { max_trial_count: maxTrialCount });
  predict = (name: string, instances: unknown[]) =>
    this.call<{ model: string; version: number; predictions: unknown[] }>('POST', `/v1/models/${encodeURIComponent(name)}/predict`, { instances });

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new KilnApiError(0, 'Unreachable', `Kiln API not reachable at ${this.baseUrl} (start it with \`npx kiln up\`)`, []);
    }
    const payload = (await response.json().catch(() => ({}))) as { error?: { type: string; message: string; fields?: FieldProblem[] } };
    if (!response.ok) {
      const error = payload.error ?? { type: 'HttpError', message: `${method} ${path} answered ${response.status}` };
      throw new KilnApiError(response.status, error.type, error.message, error.fields ?? []);
    }
    return payload as T;
  }
}
