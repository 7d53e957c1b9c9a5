import type { IncomingHttpHeaders } from 'node:http';
import { IDEMPOTENCY_KEY_HEADER } from '../../core/pipeline/idempotent-run-id.js';
import type { KilnService } from '../kiln-service.js';
import { parseSpec } from '../../core/specs/parse-spec.js';
import { NoteRequest, openApiDocument } from './openapi.js';

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path with `{name}` parameters. */
  path: string;
  summary: string;
  /** zod-described request body schema name (see openapi.ts), if any. */
  body?: string;
  /** 201/202 for creations; 200 otherwise. */
  status?: number;
  /** Optional request headers the route reads, documented in the OpenAPI document. */
  headers?: { name: string; description: string }[];
  /** `headers` are Node's: names in lower case. */
  handle(ctx: { params: Record<string, string>; query: URLSearchParams; body: unknown; headers: IncomingHttpHeaders }): Promise<unknown>;
}

/** The HTTP API: thin, each route validates and calls the service. */
export function kilnRoutes(service: KilnService): Route[] {
  return [
    { method: 'GET', path: '/v1/health', summary: 'Liveness', handle: async () => ({ status: 'ok' }) },
    { method: 'GET', path: '/openapi.json', summary: 'This document', handle: async () => openApiDocument(kilnRoutes(service)) },
    { method: 'POST', path: '/v1/environments', summary: 'Create or update an environment and start its build', body: 'EnvironmentSpec', status: 201, handle: ({ body }) => service.applyEnvironment(body) },
    { method: 'GET', path: '/v1/environments', summary: 'List environments with their build state', handle: () => service.listEnvironments() },
    { method: 'POST', path: '/v1/datasets', summary: 'Register a dataset (CSV path on the server)', body: 'DatasetSpec', status: 201, handle: ({ body }) => service.applyDataset(body) },
    { method: 'GET', path: '/v1/datasets', summary: 'List datasets', handle: () => service.listDatasets() },
    { method: 'POST', path: '/v1/projects', summary: 'Create or update a project', body: 'ProjectSpec', status: 201, handle: ({ body }) => service.applyProject(body) },
    { method: 'GET', path: '/v1/projects', summary: 'List projects', handle: () => service.listProjects() },
    {
      method: 'POST',
      path: '/v1/runs',
      summary: 'Start a pipeline run; returns the run id at once',
      body: 'RunRequest',
      status: 202,
      headers: [
        {
          name: IDEMPOTENCY_KEY_HEADER,
          description: 'Up to 200 printable ASCII characters. A repeated (or racing) start with the same key and body returns the run the key names, with `existing: true`; with another body it is a 409.',
        },
      ],
      handle: ({ body, headers }) => service.startRun(body, { idempotencyKey: headers[IDEMPOTENCY_KEY_HEADER.toLowerCase()] }),
    },
    {
      method: 'GET',
      path: '/v1/runs',
      summary: 'List runs, newest first',
      handle: ({ query }) =>
        service.listRuns({ project: query.get('project') ?? undefined, status: query.get('status') ?? undefined, trigger: query.get('trigger') ?? undefined, schedule: query.get('schedule') ?? undefined, limit: Number(query.get('limit') ?? 50) }),
    },
    { method: 'GET', path: '/v1/runs/{id}', summary: 'Stage-by-stage progress of a run', handle: ({ params }) => service.getRun(params.id!) },
    {
      method: 'POST',
      path: '/v1/runs/{id}/resume',
      summary: 'Start a new run that resumes a failed, cancelled or rejected run from its first unfinished stage (409 otherwise)',
      status: 202,
      handle: ({ params }) => service.resumeRun(params.id!),
    },
    { method: 'POST', path: '/v1/runs/{id}/cancel', summary: 'Cancel a run: its running process is stopped', status: 202, handle: ({ params }) => service.cancelRun(params.id!) },
    { method: 'GET', path: '/v1/models', summary: 'List model versions', handle: () => service.listModelVersions() },
    { method: 'GET', path: '/v1/models/{name}/versions', summary: "List a model's versions with lineage", handle: ({ params }) => service.listModelVersions(params.name!) },
    { method: 'GET', path: '/v1/models/{name}', summary: 'Versions, aliases, alias history, serving version and the schedules that feed the model', handle: ({ params }) => service.models.show(params.name!) },
    { method: 'POST', path: '/v1/models/{name}/aliases', summary: 'Point a user alias (staging, candidate, …) at a version; champion moves only by promotion, approval or rollback', body: 'AliasRequest', handle: ({ params, body }) => service.models.setAlias(params.name!, body) },
    { method: 'DELETE', path: '/v1/models/{name}/aliases/{alias}', summary: 'Remove a user alias', handle: ({ params }) => service.models.deleteAlias(params.name!, params.alias!) },
    { method: 'POST', path: '/v1/models/{name}/approve', summary: 'Approve a run waiting for approval: its version is served and becomes champion (409 unless waiting)', body: 'ApprovalRequest', handle: ({ params, body }) => service.models.decide(params.name!, true, body) },
    { method: 'POST', path: '/v1/models/{name}/reject', summary: 'Reject a run waiting for approval: its version stays challenger (409 unless waiting)', body: 'ApprovalRequest', handle: ({ params, body }) => service.models.decide(params.name!, false, body) },
    { method: 'GET', path: '/v1/approvals', summary: 'Runs waiting for approval (?model=)', handle: ({ query }) => service.models.pending(query.get('model') ?? undefined) },
    { method: 'POST', path: '/v1/schedules', summary: 'Create a schedule, or update the one with that name in place (a Temporal Schedule)', body: 'ScheduleSpec', status: 201, handle: ({ body }) => service.schedules.apply(body) },
    { method: 'GET', path: '/v1/schedules', summary: 'List schedules', handle: () => service.schedules.list() },
    { method: 'GET', path: '/v1/schedules/{name}', summary: 'A schedule: spec, paused state and note, next 5 fire times, recent runs with results', handle: ({ params }) => service.schedules.get(params.name!) },
    { method: 'DELETE', path: '/v1/schedules/{name}', summary: 'Delete a schedule (its runs stay)', handle: ({ params }) => service.schedules.delete(params.name!) },
    { method: 'POST', path: '/v1/schedules/{name}/pause', summary: 'Pause a schedule', body: 'NoteRequest', handle: ({ params, body }) => service.schedules.pause(params.name!, noteOf(body)) },
    { method: 'POST', path: '/v1/schedules/{name}/unpause', summary: 'Unpause a schedule', body: 'NoteRequest', handle: ({ params, body }) => service.schedules.unpause(params.name!, noteOf(body)) },
    { method: 'POST', path: '/v1/schedules/{name}/trigger', summary: "Start the schedule's run now (under its overlap policy)", status: 202, handle: ({ params }) => service.schedules.trigger(params.name!) },
    { method: 'POST', path: '/v1/schedules/{name}/backfill', summary: 'Start the runs of every fire time in [start, end] now, with their nominal times (at most 1000)', body: 'BackfillRequest', status: 202, handle: ({ params, body }) => service.schedules.backfill(params.name!, body) },
    { method: 'POST', path: '/v1/models/{name}/rollback', summary: 'Serve an earlier version again (default: the one before the current)', body: 'RollbackRequest', handle: ({ params, body }) => service.rollbackModel(params.name!, body) },
    { method: 'POST', path: '/v1/models/{name}/predict', summary: 'Predict with the serving version', body: 'PredictRequest', handle: ({ params, body }) => service.predict(params.name!, body) },
    { method: 'POST', path: '/v1/experiments', summary: 'Create a tuning experiment (validated against its project first)', body: 'ExperimentSpec', status: 201, handle: ({ body }) => service.experiments.create(body) },
    { method: 'GET', path: '/v1/experiments/{id}', summary: 'Trials table, counts and best trial of an experiment', handle: ({ params }) => service.experiments.get(params.id!) },
    { method: 'GET', path: '/v1/experiments/{id}/best', summary: 'The best succeeded trial', handle: ({ params }) => service.experiments.best(params.id!) },
    { method: 'POST', path: '/v1/experiments/{id}/promote', summary: "Run the best trial on through the validation gate, registry and serving (reusing its stages)", status: 202, handle: ({ params }) => service.experiments.promote(params.id!) },
    { method: 'POST', path: '/v1/experiments/{id}/stop', summary: 'Stop an experiment: running trials are cancelled', status: 202, handle: ({ params }) => service.experiments.stop(params.id!) },
    { method: 'POST', path: '/v1/experiments/{id}/extend', summary: 'Raise max_trial_count of a running or finished experiment', body: 'ExtendRequest', handle: ({ params, body }) => service.experiments.extend(params.id!, body) },
  ];
}

function noteOf(body: unknown): string | undefined {
  return parseSpec(NoteRequest, body ?? {}).note;
}
