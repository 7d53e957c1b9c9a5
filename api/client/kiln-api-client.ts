import type { FieldProblem } from '../../core/errors.js';
import type { RunProgress, RunStatus } from '../../core/pipeline/run-progress.js';
import type { ExperimentView } from '../../workflows/experiment-state.js';
import type { PendingApproval } from '../models-service.js';
import type { ScheduleView } from '../schedules-service.js';

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
export type { ExperimentView, PendingApproval, ScheduleView };

/** `kiln model show`: the loop around one model. */
export type ModelView = Awaited<ReturnType<import('../models-service.js').ModelsService['show']>>;

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
  listRuns = (query: { project?: string; status?: string; trigger?: string; schedule?: string; limit?: number } = {}) => {
    const params = new URLSearchParams(Object.entries(query).filter(([, v]) => v !== undefined).map(([k, v]): [string, string] => [k, String(v)]));
    return this.call<Record<string, unknown>[]>('GET', `/v1/runs${params.size ? `?${params}` : ''}`);
  };
  listModelVersions = (name?: string) => this.call<Record<string, unknown>[]>('GET', name ? `/v1/models/${encodeURIComponent(name)}/versions` : '/v1/models');
  rollbackModel = (name: string, toVersion?: number, options: { reason?: string; by?: string } = {}) =>
    this.call<{ model: string; version: number; url: string; rolled_back_from: number | null }>('POST', `/v1/models/${encodeURIComponent(name)}/rollback`, { ...(toVersion === undefined ? {} : { to_version: toVersion }), ...options });
  showModel = (name: string) => this.call<ModelView>('GET', `/v1/models/${encodeURIComponent(name)}`);
  setAlias = (name: string, request: { alias: string; version: number; reason?: string; by?: string }) =>
    this.call<{ model: string; alias: string; version: number; previous_version: number | null }>('POST', `/v1/models/${encodeURIComponent(name)}/aliases`, request);
  deleteAlias = (name: string, alias: string) => this.call<{ model: string; alias: string; deleted: true }>('DELETE', `/v1/models/${encodeURIComponent(name)}/aliases/${encodeURIComponent(alias)}`);
  decide = (name: string, decision: 'approve' | 'reject', request: { run_id: string; reason?: string; by?: string }) =>
    this.call<{ run_id: string; model: string; version: number; decision: string; by: string }>('POST', `/v1/models/${encodeURIComponent(name)}/${decision}`, request);
  pendingApprovals = (model?: string) => this.call<PendingApproval[]>('GET', `/v1/approvals${model ? `?model=${encodeURIComponent(model)}` : ''}`);
  applySchedule = (spec: unknown) => this.call<ScheduleView & { created: boolean }>('POST', '/v1/schedules', spec);
  listSchedules = () => this.call<ScheduleView[]>('GET', '/v1/schedules');
  getSchedule = (name: string) => this.call<ScheduleView>('GET', `/v1/schedules/${encodeURIComponent(name)}`);
  deleteSchedule = (name: string) => this.call<{ name: string; deleted: true }>('DELETE', `/v1/schedules/${encodeURIComponent(name)}`);
  pauseSchedule = (name: string, note?: string) => this.call<ScheduleView>('POST', `/v1/schedules/${encodeURIComponent(name)}/pause`, note === undefined ? {} : { note });
  unpauseSchedule = (name: string, note?: string) => this.call<ScheduleView>('POST', `/v1/schedules/${encodeURIComponent(name)}/unpause`, note === undefined ? {} : { note });
  triggerSchedule = (name: string) => this.call<{ name: string; triggered: true; overlap: string }>('POST', `/v1/schedules/${encodeURIComponent(name)}/trigger`);
  backfillSchedule = (name: string, request: { start: string; end: string; overlap?: string }) =>
    this.call<{ name: string; runs: number; fire_times: string[] }>('POST', `/v1/schedules/${encodeURIComponent(name)}/backfill`, request);
  createExperiment = (spec: unknown) => this.call<{ experiment_id: string; status: string; web_ui_url?: string }>('POST', '/v1/experiments', spec);
  getExperiment = (id: string) => this.call<ExperimentView>('GET', `/v1/experiments/${encodeURIComponent(id)}`);
  bestTrial = (id: string) => this.call<{ experiment_id: string; trial: ExperimentView['trials'][number] }>('GET', `/v1/experiments/${encodeURIComponent(id)}/best`);
  promoteBestTrial = (id: string) => this.call<{ experiment_id: string; trial: number; run_id: string; reused_stages: string[] }>('POST', `/v1/experiments/${encodeURIComponent(id)}/promote`);
  stopExperiment = (id: string) => this.call<{ experiment_id: string; status: string }>('POST', `/v1/experiments/${encodeURIComponent(id)}/stop`);
  extendExperiment = (id: string, maxTrialCount: number) => this.call<ExperimentView>('POST', `/v1/experiments/${encodeURIComponent(id)}/extend`, { max_trial_count: maxTrialCount });
  predict = (name: string, instances: unknown[]) =>
    this.call<{ model: string; version: number; predictions: unknown[] }>('POST', `/v1/models/${encodeURIComponent(name)}/predict`, { instances });

  private async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
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
