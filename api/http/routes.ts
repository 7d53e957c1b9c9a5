import type { z } from 'zod';
import { ExperimentSpec } from '../../core/specs/experiment.js';
import { BackfillRequest, DatasetSpec, EnvironmentSpec, ProjectSpec, RunRequest, ScheduleSpec } from '../../core/specs/index.js';
import type { KilnService } from '../kiln-service.js';
import { AliasRequest, ApprovalRequest } from '../models-service.js';
import { ApprovalsQuery, ExtendRequest, IdempotencyHeaders, NoteRequest, PredictRequest, RollbackRequest, RunsQuery } from './request-schemas.js';

/** What a handler receives: each part already checked by the route's schema. */
export interface RouteContext {
  params: Record<string, string>;
  query: Record<string, unknown>;
  /** Names in lower case. */
  headers: Record<string, unknown>;
  body: unknown;
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path with `{name}` parameters. */
  path: string;
  summary: string;
  /** 201/202 for creations; 200 otherwise. */
  status?: number;
  /** Path parameters; default: each `{name}` a non-empty string. */
  params?: z.ZodType;
  /** Query parameters; default: none accepted (an unknown one is a 400 naming it). */
  query?: z.ZodType;
  /** Request headers the route reads (names in lower case); default none documented. */
  headers?: z.ZodType;
  /** Request body, checked before the handler runs; field paths start at the body's root. */
  body?: z.ZodType;
  /**
   * Request body parsed by the service itself, whose field paths start at its own root
   * (`project.`, `schedule.`); here it only documents the body. The handler gets the raw JSON.
   */
  serviceBody?: z.ZodType;
  handle(ctx: RouteContext): Promise<unknown>;
}

type Out<S, Default> = S extends z.ZodType ? z.output<S> : Default;

/** A route whose handler sees the outputs of its own schemas. */
export function route<P extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined, H extends z.ZodType | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  definition: Omit<Route, 'params' | 'query' | 'headers' | 'body' | 'handle'> & {
    params?: P;
    query?: Q;
    headers?: H;
    body?: B;
    handle(ctx: { params: Out<P, Record<string, string>>; query: Out<Q, Record<string, never>>; headers: Out<H, Record<string, unknown>>; body: Out<B, unknown> }): Promise<unknown>;
  },
): Route {
  return definition as Route;
}

/** The HTTP API: thin, each route declares its schemas and calls the service. */
export function kilnRoutes(service: KilnService): Route[] {
  return [
    route({ method: 'GET', path: '/v1/health', summary: 'Liveness', handle: async () => ({ status: 'ok' }) }),
    route({ method: 'POST', path: '/v1/environments', summary: 'Create or update an environment and start its build', serviceBody: EnvironmentSpec, status: 201, handle: ({ body }) => service.applyEnvironment(body) }),
    route({ method: 'GET', path: '/v1/environments', summary: 'List environments with their build state', handle: () => service.listEnvironments() }),
    route({ method: 'POST', path: '/v1/datasets', summary: 'Register a dataset (CSV path on the server)', serviceBody: DatasetSpec, status: 201, handle: ({ body }) => service.applyDataset(body) }),
    route({ method: 'GET', path: '/v1/datasets', summary: 'List datasets', handle: () => service.listDatasets() }),
    route({ method: 'POST', path: '/v1/projects', summary: 'Create or update a project', serviceBody: ProjectSpec, status: 201, handle: ({ body }) => service.applyProject(body) }),
    route({ method: 'GET', path: '/v1/projects', summary: 'List projects', handle: () => service.listProjects() }),
    route({
      method: 'POST',
      path: '/v1/runs',
      summary: 'Start a pipeline run; returns the run id at once',
      serviceBody: RunRequest,
      status: 202,
      headers: IdempotencyHeaders,
      handle: ({ body, headers }) => service.startRun(body, { idempotencyKey: headers['idempotency-key'] }),
    }),
    route({ method: 'GET', path: '/v1/runs', summary: 'List runs, newest first', query: RunsQuery, handle: ({ query }) => service.listRuns({ ...query, limit: query.limit ?? 50 }) }),
    route({ method: 'GET', path: '/v1/runs/{id}', summary: 'Stage-by-stage progress of a run', handle: ({ params }) => service.getRun(params.id!) }),
    route({
      method: 'POST',
      path: '/v1/runs/{id}/resume',
      summary: 'Start a new run that resumes a failed, cancelled or rejected run from its first unfinished stage (409 otherwise)',
      status: 202,
      handle: ({ params }) => service.resumeRun(params.id!),
    }),
    route({ method: 'POST', path: '/v1/runs/{id}/cancel', summary: 'Cancel a run: its running process is stopped', status: 202, handle: ({ params }) => service.cancelRun(params.id!) }),
    route({ method: 'GET', path: '/v1/models', summary: 'List model versions', handle: () => service.listModelVersions() }),
    route({ method: 'GET', path: '/v1/models/{name}/versions', summary: "List a model's versions with lineage", handle: ({ params }) => service.listModelVersions(params.name!) }),
    route({ method: 'GET', path: '/v1/models/{name}', summary: 'Versions, aliases, alias history, serving version and the schedules that feed the model', handle: ({ params }) => service.models.show(params.name!) }),
    route({
      method: 'POST',
      path: '/v1/models/{name}/aliases',
      summary: 'Point a user alias (staging, candidate, …) at a version; champion moves only by promotion, approval or rollback',
      serviceBody: AliasRequest,
      handle: ({ params, body }) => service.models.setAlias(params.name!, body),
    }),
    route({ method: 'DELETE', path: '/v1/models/{name}/aliases/{alias}', summary: 'Remove a user alias', handle: ({ params }) => service.models.deleteAlias(params.name!, params.alias!) }),
    route({
      method: 'POST',
      path: '/v1/models/{name}/approve',
      summary: 'Approve a run waiting for approval: its version is served and becomes champion (409 unless waiting)',
      serviceBody: ApprovalRequest,
      handle: ({ params, body }) => service.models.decide(params.name!, true, body),
    }),
    route({
      method: 'POST',
      path: '/v1/models/{name}/reject',
      summary: 'Reject a run waiting for approval: its version stays challenger (409 unless waiting)',
      serviceBody: ApprovalRequest,
      handle: ({ params, body }) => service.models.decide(params.name!, false, body),
    }),
    route({ method: 'GET', path: '/v1/approvals', summary: 'Runs waiting for approval (?model=)', query: ApprovalsQuery, handle: ({ query }) => service.models.pending(query.model) }),
    route({
      method: 'POST',
      path: '/v1/schedules',
      summary: 'Create a schedule, or update the one with that name in place (a Temporal Schedule)',
      serviceBody: ScheduleSpec,
      status: 201,
      handle: ({ body }) => service.schedules.apply(body),
    }),
    route({ method: 'GET', path: '/v1/schedules', summary: 'List schedules', handle: () => service.schedules.list() }),
    route({ method: 'GET', path: '/v1/schedules/{name}', summary: 'A schedule: spec, paused state and note, next 5 fire times, recent runs with results', handle: ({ params }) => service.schedules.get(params.name!) }),
    route({ method: 'DELETE', path: '/v1/schedules/{name}', summary: 'Delete a schedule (its runs stay)', handle: ({ params }) => service.schedules.delete(params.name!) }),
    route({ method: 'POST', path: '/v1/schedules/{name}/pause', summary: 'Pause a schedule', body: NoteRequest, handle: ({ params, body }) => service.schedules.pause(params.name!, body.note) }),
    route({ method: 'POST', path: '/v1/schedules/{name}/unpause', summary: 'Unpause a schedule', body: NoteRequest, handle: ({ params, body }) => service.schedules.unpause(params.name!, body.note) }),
    route({ method: 'POST', path: '/v1/schedules/{name}/trigger', summary: "Start the schedule's run now (under its overlap policy)", status: 202, handle: ({ params }) => service.schedules.trigger(params.name!) }),
    route({
      method: 'POST',
      path: '/v1/schedules/{name}/backfill',
      summary: 'Start the runs of every fire time in [start, end] now, with their nominal times (at most 1000)',
      serviceBody: BackfillRequest,
      status: 202,
      handle: ({ params, body }) => service.schedules.backfill(params.name!, body),
    }),
    route({
      method: 'POST',
      path: '/v1/models/{name}/rollback',
      summary: 'Serve an earlier version again (default: the one before the current)',
      serviceBody: RollbackRequest,
      handle: ({ params, body }) => service.rollbackModel(params.name!, body),
    }),
    route({ method: 'POST', path: '/v1/models/{name}/predict', summary: 'Predict with the serving version', body: PredictRequest, handle: ({ params, body }) => service.predict(params.name!, body) }),
    route({ method: 'POST', path: '/v1/experiments', summary: 'Create a tuning experiment (validated against its project first)', serviceBody: ExperimentSpec, status: 201, handle: ({ body }) => service.experiments.create(body) }),
    route({ method: 'GET', path: '/v1/experiments/{id}', summary: 'Trials table, counts and best trial of an experiment', handle: ({ params }) => service.experiments.get(params.id!) }),
    route({ method: 'GET', path: '/v1/experiments/{id}/best', summary: 'The best succeeded trial', handle: ({ params }) => service.experiments.best(params.id!) }),
    route({
      method: 'POST',
      path: '/v1/experiments/{id}/promote',
      summary: 'Run the best trial on through the validation gate, registry and serving (reusing its stages)',
      status: 202,
      handle: ({ params }) => service.experiments.promote(params.id!),
    }),
    route({ method: 'POST', path: '/v1/experiments/{id}/stop', summary: 'Stop an experiment: running trials are cancelled', status: 202, handle: ({ params }) => service.experiments.stop(params.id!) }),
    route({
      method: 'POST',
      path: '/v1/experiments/{id}/extend',
      summary: 'Raise max_trial_count of a running or finished experiment',
      body: ExtendRequest,
      handle: ({ params, body }) => service.experiments.extend(params.id!, body),
    }),
  ];
}
