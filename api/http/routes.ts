import { ExperimentSpec } from '../../core/specs/experiment.js';
import { LIMITS } from '../../core/specs/limits.js';
import { z } from 'zod';
import { AliasName, BackfillRequest, DatasetSpec, EnvironmentSpec, ProjectSpec, ResourceName, RunRequest, ScheduleSpec } from '../../core/specs/index.js';
import type { KilnService } from '../kiln-service.js';
import { principalId } from '../../core/access/principal.js';
import type { ModelVersionRecord } from '../../core/metadata/model-records.js';
import type { RunRecord } from '../../core/metadata/run-records.js';
import type { PendingApproval } from '../models-service.js';
import type { ScheduleView } from '../schedules-service.js';
import { accessRoutes } from './access-routes.js';
import { catalogRoutes } from './catalog-routes.js';
import { metricsRoutes } from './metrics-routes.js';
import { monitoringRoutes } from './monitoring-routes.js';
import { profileRoutes } from './profile-routes.js';
import { rolloutRoutes } from './rollout-routes.js';
import { workspaceRoutes } from './workspace-routes.js';
import { runDetailRoutes } from './run-detail-routes.js';
import { can, withActor, experimentIn, modelIn, named, namedInBody, projectOfBody, runIn, scheduleIn } from './route-finders.js';
import { JsonText, route, type Route } from './route.js';
import { AliasRequest, ApprovalRequest } from '../models-service.js';
import { FeedbackRequest } from '../feedback-service.js';
import type { ExperimentSummary } from '../experiments-service.js';
import {
  ApprovalsQuery,
  ExperimentsQuery,
  ExtendRequest,
  IdempotencyHeaders,
  IdParams,
  NoteRequest,
  PredictRequest,
  RollbackRequest,
  RunsQuery,
} from './request-schemas.js';

export { route, type Route, type RouteContext } from './route.js';

const ModelParams = z.object({ name: ResourceName }).strict();
const AliasParams = z.object({ name: ResourceName, alias: AliasName }).strict();
const ScheduleParams = z.object({ name: ResourceName }).strict();
/** Runs a list answers when `?limit=` is not given. */
const RUNS_PAGE = 50;

/** The HTTP API: thin, each route declares its schemas, its permission, and calls the service. */
export function kilnRoutes(service: KilnService): Route[] {
  return [
    route({ method: 'GET', path: '/v1/health', summary: 'Liveness', access: 'public', handle: async () => ({ status: 'ok' }) }),
    route({
      method: 'POST',
      path: '/v1/environments',
      summary: 'Create or update an environment and start its build',
      access: can('environments:write', namedInBody('environment'), { owns: { kind: 'environment', nameOf: named } }),
      serviceBody: EnvironmentSpec,
      status: 201,
      handle: ({ body }) => service.applyEnvironment(body),
    }),
    route({
      method: 'GET',
      path: '/v1/environments',
      summary: 'List environments with their build state',
      access: can('environments:read', undefined, { visible: (e: { name: string }, d) => d.environment(e.name) }),
      handle: () => service.listEnvironments(),
    }),
    route({
      method: 'POST',
      path: '/v1/datasets',
      summary: 'Register a dataset (CSV path on the server)',
      access: can('datasets:write', namedInBody('dataset'), { owns: { kind: 'dataset', nameOf: named } }),
      serviceBody: DatasetSpec,
      status: 201,
      handle: ({ body }) => service.applyDataset(body),
    }),
    route({
      method: 'GET',
      path: '/v1/datasets',
      summary: 'List datasets',
      access: can('datasets:read', undefined, { visible: (e: { name: string }, d) => d.dataset(e.name) }),
      handle: () => service.listDatasets(),
    }),
    ...profileRoutes(service.datasets),
    ...catalogRoutes(service.catalog),
    ...rolloutRoutes(service.rollouts),
    ...workspaceRoutes(service.workspaces),
    route({
      method: 'POST',
      path: '/v1/projects',
      summary: 'Create or update a project',
      access: can('projects:write', namedInBody('project'), { owns: { kind: 'project', nameOf: named } }),
      serviceBody: ProjectSpec,
      status: 201,
      handle: ({ body }) => service.applyProject(body),
    }),
    route({
      method: 'GET',
      path: '/v1/projects',
      summary: 'List projects',
      access: can('projects:read', undefined, { visible: (p: { name: string }, d) => d.project(p.name) }),
      handle: () => service.listProjects(),
    }),
    route({
      method: 'POST',
      path: '/v1/runs',
      summary: 'Start a pipeline run; returns the run id at once',
      access: can('runs:create', projectOfBody('run')),
      serviceBody: RunRequest,
      status: 202,
      headers: IdempotencyHeaders,
      handle: ({ body, headers }) => service.startRun(body, { idempotencyKey: headers['idempotency-key'] }),
    }),
    route({
      method: 'GET',
      path: '/v1/runs',
      summary: 'List runs, newest first (only those of projects the caller may read)',
      access: can('runs:read', undefined, {
        visible: (r: RunRecord, d) => d.project(r.project, 'run', r.id),
        visibleLimit: { default: RUNS_PAGE, max: LIMITS.listRows },
      }),
      query: RunsQuery,
      handle: ({ query }) => service.listRuns({ ...query, limit: query.limit ?? RUNS_PAGE }),
    }),
    route({
      method: 'GET',
      path: '/v1/runs/{id}',
      params: IdParams,
      summary: 'Stage-by-stage progress of a run',
      access: can('runs:read', runIn),
      handle: ({ params }) => service.getRun(params.id!),
    }),
    ...runDetailRoutes(service.runDetails),
    route({
      method: 'POST',
      path: '/v1/runs/{id}/resume',
      params: IdParams,
      summary: 'Start a new run that resumes a failed, cancelled or rejected run from its first unfinished stage (409 otherwise)',
      access: can('runs:create', runIn),
      status: 202,
      handle: ({ params }) => service.resumeRun(params.id!),
    }),
    route({
      method: 'POST',
      path: '/v1/runs/{id}/cancel',
      params: IdParams,
      summary: 'Cancel a run: its running process is stopped',
      access: can('runs:cancel', runIn),
      status: 202,
      handle: ({ params }) => service.cancelRun(params.id!),
    }),
    route({
      method: 'GET',
      path: '/v1/models',
      summary: 'List model versions',
      access: can('models:read', undefined, { visible: (m: ModelVersionRecord, d) => d.model(m.modelName) }),
      handle: () => service.listModelVersions(),
    }),
    route({
      method: 'GET',
      path: '/v1/models/{name}/versions',
      params: ModelParams,
      summary: "List a model's versions with lineage",
      access: can('models:read', modelIn),
      handle: ({ params }) => service.listModelVersions(params.name!),
    }),
    route({
      method: 'GET',
      path: '/v1/models/{name}',
      params: ModelParams,
      summary: 'Versions, aliases, alias history, serving version and the schedules that feed the model',
      access: can('models:read', modelIn),
      handle: ({ params }) => service.models.show(params.name!),
    }),
    route({
      method: 'POST',
      path: '/v1/models/{name}/aliases',
      params: ModelParams,
      summary: 'Point a user alias (staging, candidate, …) at a version; champion moves only by promotion, approval or rollback',
      access: can('models:promote', modelIn),
      serviceBody: AliasRequest,
      handle: ({ params, body, caller }) => service.models.setAlias(params.name!, withActor(body, caller)),
    }),
    route({
      method: 'DELETE',
      path: '/v1/models/{name}/aliases/{alias}',
      params: AliasParams,
      summary: 'Remove a user alias',
      access: can('models:promote', modelIn),
      handle: ({ params, caller }) => service.models.deleteAlias(params.name!, params.alias!, principalId(caller.principal)),
    }),
    route({
      method: 'POST',
      path: '/v1/models/{name}/approve',
      params: ModelParams,
      summary: 'Approve a run waiting for approval: its version is served and becomes champion (409 unless waiting)',
      access: can('models:promote', modelIn),
      serviceBody: ApprovalRequest,
      handle: ({ params, body, caller }) => service.models.decide(params.name!, true, withActor(body, caller)),
    }),
    route({
      method: 'POST',
      path: '/v1/models/{name}/reject',
      params: ModelParams,
      summary: 'Reject a run waiting for approval: its version stays challenger (409 unless waiting)',
      access: can('models:promote', modelIn),
      serviceBody: ApprovalRequest,
      handle: ({ params, body, caller }) => service.models.decide(params.name!, false, withActor(body, caller)),
    }),
    route({
      method: 'GET',
      path: '/v1/approvals',
      summary: 'Runs waiting for approval (?model=)',
      access: can('models:read', undefined, { visible: (a: PendingApproval, d) => d.project(a.project, 'run', a.run_id) }),
      query: ApprovalsQuery,
      handle: ({ query }) => service.models.pending(query.model),
    }),
    route({
      method: 'POST',
      path: '/v1/schedules',
      summary: 'Create a schedule, or update the one with that name in place (a Temporal Schedule)',
      access: can('schedules:write', projectOfBody('schedule'), { owns: { kind: 'schedule', nameOf: named } }),
      serviceBody: ScheduleSpec,
      status: 201,
      handle: ({ body }) => service.schedules.apply(body),
    }),
    route({
      method: 'GET',
      path: '/v1/schedules',
      summary: 'List schedules',
      access: can('schedules:read', undefined, { visible: (v: ScheduleView, d) => d.project(v.project, 'schedule', v.name) }),
      handle: () => service.schedules.list(),
    }),
    route({
      method: 'GET',
      path: '/v1/schedules/{name}',
      params: ScheduleParams,
      summary: 'A schedule: spec, paused state and note, next 5 fire times, recent runs with results',
      access: can('schedules:read', scheduleIn),
      handle: ({ params }) => service.schedules.get(params.name!),
    }),
    route({
      method: 'DELETE',
      path: '/v1/schedules/{name}',
      params: ScheduleParams,
      summary: 'Delete a schedule (its runs stay)',
      access: can('schedules:write', scheduleIn),
      handle: ({ params }) => service.schedules.delete(params.name!),
    }),
    route({
      method: 'POST',
      path: '/v1/schedules/{name}/pause',
      params: ScheduleParams,
      summary: 'Pause a schedule',
      access: can('schedules:write', scheduleIn),
      body: NoteRequest,
      handle: ({ params, body }) => service.schedules.pause(params.name!, body.note),
    }),
    route({
      method: 'POST',
      path: '/v1/schedules/{name}/unpause',
      params: ScheduleParams,
      summary: 'Unpause a schedule',
      access: can('schedules:write', scheduleIn),
      body: NoteRequest,
      handle: ({ params, body }) => service.schedules.unpause(params.name!, body.note),
    }),
    route({
      method: 'POST',
      path: '/v1/schedules/{name}/trigger',
      params: ScheduleParams,
      summary: "Start the schedule's run now (under its overlap policy)",
      access: can('schedules:write', scheduleIn),
      status: 202,
      handle: ({ params }) => service.schedules.trigger(params.name!),
    }),
    route({
      method: 'POST',
      path: '/v1/schedules/{name}/backfill',
      params: ScheduleParams,
      summary: 'Start the runs of every fire time in [start, end] now, with their nominal times (at most 1000)',
      access: can('schedules:write', scheduleIn),
      serviceBody: BackfillRequest,
      status: 202,
      handle: ({ params, body }) => service.schedules.backfill(params.name!, body),
    }),
    route({
      method: 'POST',
      path: '/v1/models/{name}/rollback',
      params: ModelParams,
      summary: 'Serve an earlier version again (default: the one before the current)',
      access: can('models:promote', modelIn),
      serviceBody: RollbackRequest,
      handle: ({ params, body, caller }) => service.rollbackModel(params.name!, withActor(body, caller)),
    }),
    route({
      method: 'POST',
      path: '/v1/models/{name}/predict',
      params: ModelParams,
      summary: 'Predict with the serving version',
      access: can('models:predict', modelIn),
      // The prediction log records each prediction; the audit log counts who called which model.
      audit: 'counted',
      body: PredictRequest,
      // The checked body goes to the model server as sent, and its answer back as it came.
      handle: async ({ params, rawBody }) => new JsonText(await service.predictJson(params.name!, rawBody)),
    }),
    route({
      method: 'POST',
      path: '/v1/models/{name}/feedback',
      params: ModelParams,
      summary: 'Label logged predictions (by their prediction_ids): live quality joins them to what the model answered',
      // Whoever may call the model may say how its answers turned out.
      access: can('models:predict', modelIn),
      body: FeedbackRequest,
      handle: ({ params, body, caller }) => service.feedback.record(params.name!, body, principalId(caller.principal)),
    }),
    route({
      method: 'POST',
      path: '/v1/experiments',
      summary: 'Create a tuning experiment (validated against its project first)',
      access: can('experiments:write', projectOfBody('experiment'), {
        owns: { kind: 'experiment', nameOf: (r: { experiment_id: string }) => r.experiment_id },
      }),
      serviceBody: ExperimentSpec,
      status: 201,
      handle: ({ body }) => service.experiments.create(body),
    }),
    route({
      method: 'GET',
      path: '/v1/experiments',
      summary: 'List experiments, newest first (only those of projects the caller may read)',
      access: can('experiments:read', undefined, {
        visible: (e: ExperimentSummary, d) => d.project(e.project, 'experiment', e.experiment_id),
        visibleLimit: { default: RUNS_PAGE, max: LIMITS.listRows },
      }),
      query: ExperimentsQuery,
      handle: ({ query }) => service.experiments.list({ ...query, limit: query.limit ?? RUNS_PAGE }),
    }),
    route({
      method: 'GET',
      path: '/v1/experiments/{id}',
      params: IdParams,
      summary: 'Trials table, counts and best trial of an experiment',
      access: can('experiments:read', experimentIn),
      handle: ({ params }) => service.experiments.get(params.id!),
    }),
    route({
      method: 'GET',
      path: '/v1/experiments/{id}/best',
      params: IdParams,
      summary: 'The best succeeded trial',
      access: can('experiments:read', experimentIn),
      handle: ({ params }) => service.experiments.best(params.id!),
    }),
    route({
      method: 'POST',
      path: '/v1/experiments/{id}/promote',
      params: IdParams,
      summary: 'Run the best trial on through the validation gate, registry and serving (reusing its stages)',
      access: can('experiments:write', experimentIn),
      status: 202,
      handle: ({ params }) => service.experiments.promote(params.id!),
    }),
    route({
      method: 'POST',
      path: '/v1/experiments/{id}/stop',
      params: IdParams,
      summary: 'Stop an experiment: running trials are cancelled',
      access: can('experiments:write', experimentIn),
      status: 202,
      handle: ({ params }) => service.experiments.stop(params.id!),
    }),
    route({
      method: 'POST',
      path: '/v1/experiments/{id}/extend',
      params: IdParams,
      summary: 'Raise max_trial_count of a running or finished experiment',
      access: can('experiments:write', experimentIn),
      body: ExtendRequest,
      handle: ({ params, body }) => service.experiments.extend(params.id!, body),
    }),
    ...monitoringRoutes(service.monitoring),
    ...metricsRoutes(),
    ...accessRoutes(service.access),
  ];
}
