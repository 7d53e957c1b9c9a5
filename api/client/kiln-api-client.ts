import type { z } from 'zod';
import type { PrincipalSpec } from '../../core/access/principal.js';
import type { RoleSpec } from '../../core/access/roles.js';
import type { DatasetProfile } from '../../core/datasets/dataset-profile.js';
import type { FieldProblem } from '../../core/errors.js';
import type { ExperimentSpec } from '../../core/specs/experiment.js';
import type { BackfillRequest, DatasetSpec, EnvironmentSpec, ProjectSpec, RunRequest, ScheduleSpec } from '../../core/specs/index.js';
import type { AccessService } from '../access/access-service.js';
import type { KilnService } from '../kiln-service.js';
import type { AuditQuery, BindingRequest, TokenRequest } from '../access/access-requests.js';
import type { AliasRequest, ApprovalRequest } from '../models-service.js';
import type { ExperimentsQuery, PredictRequest, RollbackRequest, RunsQuery } from '../http/request-schemas.js';
import type { ExperimentSummary } from '../experiments-service.js';
import type { RolloutRequest } from '../../core/specs/rollout.js';
import type { RunProgress, RunStatus } from '../../core/pipeline/run-progress.js';
import type { ExperimentView } from '../../workflows/experiment-state.js';
import type { PendingApproval } from '../models-service.js';
import type { FeedbackRequest } from '../feedback-service.js';
import type { MonitoringView } from '../monitoring-service.js';
import type { ScheduleView } from '../schedules-service.js';
import type { WorkspaceSpecInput } from '../../core/specs/workspace.js';
import type { WorkspacesService } from '../workspaces-service.js';
import { type WorkspaceMetricsQuery, WorkspaceMetricsView } from '../workspace-metrics-view.js';

type WorkspaceOut<K extends keyof WorkspacesService> = WorkspacesService[K] extends (...args: never[]) => Promise<infer R> ? R : never;

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
export type { ExperimentSummary, ExperimentView, PendingApproval, ScheduleView };

/** `kiln model show`: the loop around one model. */
export type ModelView = Awaited<ReturnType<import('../models-service.js').ModelsService['show']>>;

/** Typed HTTP client for the Kiln API; used by the CLI, the demo and services that start runs. */
/** What a request body may hold: the input side of the schema the server validates it with. */
type In<S extends z.ZodType> = z.input<S>;
type Svc<K extends keyof KilnService> = KilnService[K] extends (...args: never[]) => Promise<infer R> ? R : never;
type Out<K extends keyof AccessService> = AccessService[K] extends (...args: never[]) => Promise<infer R> ? R : never;
/** Query values as the client takes them (the server reads text and converts). */
type QueryOf<S extends z.ZodType> = { [K in keyof z.output<S>]?: z.output<S>[K] | string };

export interface KilnApiClientOptions {
  /** Sent as `Authorization: Bearer <token>`: an API token, or an OIDC token where enabled. */
  token?: string;
}

export class KilnApiClient {
  private readonly token: string | undefined;

  constructor(
    readonly baseUrl: string,
    options: KilnApiClientOptions = {},
  ) {
    this.token = options.token;
  }

  health = () => this.call<{ status: string }>('GET', '/v1/health');
  applyEnvironment = (spec: In<typeof EnvironmentSpec>) =>
    this.call<{ name: string; spec_digest: string; build_status: string }>('POST', '/v1/environments', spec);
  applyDataset = (spec: In<typeof DatasetSpec>) => this.call<Svc<'applyDataset'>>('POST', '/v1/datasets', spec);
  applyProject = (spec: In<typeof ProjectSpec>) => this.call<Svc<'applyProject'>>('POST', '/v1/projects', spec);
  listEnvironments = () => this.call<Svc<'listEnvironments'>>('GET', '/v1/environments');
  listDatasets = () => this.call<Svc<'listDatasets'>>('GET', '/v1/datasets');
  /** The feature profile of a dataset version (default: the newest stored). */
  datasetProfile = (name: string, version?: string) =>
    this.call<DatasetProfile>('GET', `/v1/datasets/${encodeURIComponent(name)}/profile${queryString({ version })}`);
  /** The feature profile of the dataset version a model version was trained on. */
  modelVersionProfile = (name: string, version: number) =>
    this.call<DatasetProfile>('GET', `/v1/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(String(version))}/profile`);
  listProjects = () => this.call<Svc<'listProjects'>>('GET', '/v1/projects');
  startRun = (request: In<typeof RunRequest>, options: StartRunOptions = {}) =>
    this.call<StartedRun>('POST', '/v1/runs', request, options.idempotencyKey === undefined ? {} : { 'idempotency-key': options.idempotencyKey });
  getRun = (runId: string) => this.call<RunView>('GET', `/v1/runs/${encodeURIComponent(runId)}`);
  resumeRun = (runId: string) => this.call<ResumedRun>('POST', `/v1/runs/${encodeURIComponent(runId)}/resume`);
  cancelRun = (runId: string) => this.call<{ run_id: string; status: string }>('POST', `/v1/runs/${encodeURIComponent(runId)}/cancel`);
  listRuns = (query: QueryOf<typeof RunsQuery> = {}) => {
    return this.call<Svc<'listRuns'>>('GET', `/v1/runs${queryString(query)}`);
  };
  listModelVersions = (name?: string) => this.call<Record<string, unknown>[]>('GET', name ? `/v1/models/${encodeURIComponent(name)}/versions` : '/v1/models');
  rollbackModel = (name: string, toVersion?: number, options: Omit<In<typeof RollbackRequest>, 'to_version'> = {}) =>
    this.call<{ model: string; version: number; url: string; rolled_back_from: number | null }>('POST', `/v1/models/${encodeURIComponent(name)}/rollback`, {
      ...(toVersion === undefined ? {} : { to_version: toVersion }),
      ...options,
    });
  startRollout = (name: string, request: In<typeof RolloutRequest>) =>
    this.call<{ model: string; workflow_id: string; strategy: string; champion_version: number; challenger_version: number }>(
      'POST',
      `/v1/models/${encodeURIComponent(name)}/rollouts`,
      request,
    );
  currentRollout = (name: string) => this.call<Record<string, unknown>>('GET', `/v1/models/${encodeURIComponent(name)}/rollouts/current`);
  showModel = (name: string) => this.call<ModelView>('GET', `/v1/models/${encodeURIComponent(name)}`);
  /** The model's monitoring reports, newest first (`limit`: default 10). */
  monitoring = (name: string, limit?: number) =>
    this.call<MonitoringView>('GET', `/v1/models/${encodeURIComponent(name)}/monitoring${limit === undefined ? '' : `?limit=${limit}`}`);
  setAlias = (name: string, request: In<typeof AliasRequest>) =>
    this.call<{ model: string; alias: string; version: number; previous_version: number | null }>(
      'POST',
      `/v1/models/${encodeURIComponent(name)}/aliases`,
      request,
    );
  deleteAlias = (name: string, alias: string) =>
    this.call<{ model: string; alias: string; deleted: true }>('DELETE', `/v1/models/${encodeURIComponent(name)}/aliases/${encodeURIComponent(alias)}`);
  decide = (name: string, decision: 'approve' | 'reject', request: In<typeof ApprovalRequest>) =>
    this.call<{ run_id: string; model: string; version: number; decision: string; by: string }>(
      'POST',
      `/v1/models/${encodeURIComponent(name)}/${decision}`,
      request,
    );
  pendingApprovals = (model?: string) => this.call<PendingApproval[]>('GET', `/v1/approvals${model ? `?model=${encodeURIComponent(model)}` : ''}`);
  applySchedule = (spec: In<typeof ScheduleSpec>) => this.call<ScheduleView & { created: boolean }>('POST', '/v1/schedules', spec);
  listSchedules = () => this.call<ScheduleView[]>('GET', '/v1/schedules');
  getSchedule = (name: string) => this.call<ScheduleView>('GET', `/v1/schedules/${encodeURIComponent(name)}`);
  deleteSchedule = (name: string) => this.call<{ name: string; deleted: true }>('DELETE', `/v1/schedules/${encodeURIComponent(name)}`);
  pauseSchedule = (name: string, note?: string) =>
    this.call<ScheduleView>('POST', `/v1/schedules/${encodeURIComponent(name)}/pause`, note === undefined ? {} : { note });
  unpauseSchedule = (name: string, note?: string) =>
    this.call<ScheduleView>('POST', `/v1/schedules/${encodeURIComponent(name)}/unpause`, note === undefined ? {} : { note });
  triggerSchedule = (name: string) =>
    this.call<{ name: string; triggered: true; overlap: string }>('POST', `/v1/schedules/${encodeURIComponent(name)}/trigger`);
  backfillSchedule = (name: string, request: In<typeof BackfillRequest>) =>
    this.call<{ name: string; runs: number; fire_times: string[] }>('POST', `/v1/schedules/${encodeURIComponent(name)}/backfill`, request);
  createExperiment = (spec: In<typeof ExperimentSpec>) =>
    this.call<{ experiment_id: string; status: string; web_ui_url?: string }>('POST', '/v1/experiments', spec);
  listExperiments = (query: QueryOf<typeof ExperimentsQuery> = {}) => this.call<ExperimentSummary[]>('GET', `/v1/experiments${queryString(query)}`);
  getExperiment = (id: string) => this.call<ExperimentView>('GET', `/v1/experiments/${encodeURIComponent(id)}`);
  bestTrial = (id: string) =>
    this.call<{ experiment_id: string; trial: ExperimentView['trials'][number] }>('GET', `/v1/experiments/${encodeURIComponent(id)}/best`);
  promoteBestTrial = (id: string) =>
    this.call<{ experiment_id: string; trial: number; run_id: string; reused_stages: string[] }>('POST', `/v1/experiments/${encodeURIComponent(id)}/promote`);
  stopExperiment = (id: string) => this.call<{ experiment_id: string; status: string }>('POST', `/v1/experiments/${encodeURIComponent(id)}/stop`);
  extendExperiment = (id: string, maxTrialCount: number) =>
    this.call<ExperimentView>('POST', `/v1/experiments/${encodeURIComponent(id)}/extend`, { max_trial_count: maxTrialCount });
  predict = (name: string, instances: In<typeof PredictRequest>['instances']) =>
    this.call<{ model: string; version: number; predictions: unknown[]; prediction_ids: string[] }>('POST', `/v1/models/${encodeURIComponent(name)}/predict`, {
      instances,
    });
  /** Labels for logged predictions (by the ids predict answered). */
  feedback = (name: string, items: In<typeof FeedbackRequest>) =>
    this.call<{ model: string; recorded: number }>('POST', `/v1/models/${encodeURIComponent(name)}/feedback`, items);

  createWorkspace = (spec: WorkspaceSpecInput) => this.call<WorkspaceOut<'create'>>('POST', '/v1/workspaces', spec);
  listWorkspaces = () => this.call<WorkspaceOut<'list'>>('GET', '/v1/workspaces');
  getWorkspace = (name: string) => this.call<WorkspaceOut<'get'>>('GET', workspacePath(name));
  /** The running server's URL with its token (the owner, or a caller holding workspaces:open). */
  openWorkspace = (name: string) => this.call<WorkspaceOut<'open'>>('GET', `${workspacePath(name)}/open`);
  stopWorkspace = (name: string) => this.call<WorkspaceOut<'stop'>>('POST', `${workspacePath(name)}/stop`);
  startWorkspace = (name: string) => this.call<WorkspaceOut<'start'>>('POST', `${workspacePath(name)}/start`);
  snapshotWorkspace = (name: string) => this.call<WorkspaceOut<'snapshot'>>('POST', `${workspacePath(name)}/snapshot`);
  deleteWorkspace = (name: string) => this.call<WorkspaceOut<'delete'>>('DELETE', workspacePath(name));
  /** What the workspace's notebooks logged with kiln_sdk (`?name=` one metric), checked against the answer's schema. */
  workspaceMetrics = async (name: string, query: WorkspaceMetricsQuery = {}) =>
    WorkspaceMetricsView.parse(await this.call<unknown>('GET', `${workspacePath(name)}/metrics${queryString(query)}`));

  whoami = () => this.call<Out<'whoami'>>('GET', '/v1/whoami');
  addPrincipal = (kind: 'user' | 'service-account', spec: In<typeof PrincipalSpec>) => this.call<Out<'addPrincipal'>>('POST', principalsPath(kind), spec);
  listPrincipals = (kind: 'user' | 'service-account') => this.call<Out<'listPrincipals'>>('GET', principalsPath(kind));
  disablePrincipal = (kind: 'user' | 'service-account', name: string) =>
    this.call<Out<'disablePrincipal'>>('DELETE', `${principalsPath(kind)}/${encodeURIComponent(name)}`);
  putRole = (spec: In<typeof RoleSpec>) => this.call<Out<'putRole'>>('POST', '/v1/roles', spec);
  listRoles = () => this.call<Out<'listRoles'>>('GET', '/v1/roles');
  deleteRole = (name: string) => this.call<Out<'deleteRole'>>('DELETE', `/v1/roles/${encodeURIComponent(name)}`);
  addBinding = (request: In<typeof BindingRequest>) => this.call<Out<'addBinding'>>('POST', '/v1/bindings', request);
  listBindings = (principal?: string) => this.call<Out<'listBindings'>>('GET', `/v1/bindings${principal ? `?principal=${encodeURIComponent(principal)}` : ''}`);
  deleteBinding = (id: string) => this.call<Out<'deleteBinding'>>('DELETE', `/v1/bindings/${encodeURIComponent(id)}`);
  createToken = (request: In<typeof TokenRequest>) => this.call<Out<'createToken'>>('POST', '/v1/tokens', request);
  listTokens = (all = false) => this.call<Out<'listTokens'>>('GET', `/v1/tokens${all ? '?all=true' : ''}`);
  revokeToken = (id: string) => this.call<Out<'revokeToken'>>('DELETE', `/v1/tokens/${encodeURIComponent(id)}`);
  audit = (query: QueryOf<typeof AuditQuery> = {}) => this.call<Out<'auditLog'>>('GET', `/v1/audit${queryString(query)}`);

  private async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          ...headers,
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
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

function workspacePath(name: string): string {
  return `/v1/workspaces/${encodeURIComponent(name)}`;
}

function principalsPath(kind: 'user' | 'service-account'): string {
  return kind === 'user' ? '/v1/users' : '/v1/service-accounts';
}

function queryString(query: Record<string, unknown>): string {
  const params = new URLSearchParams(
    Object.entries(query)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]): [string, string] => [k, String(v)]),
  );
  return params.size ? `?${params}` : '';
}
