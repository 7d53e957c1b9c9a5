import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { ConflictError, NotFoundError, SpecValidationError } from '../core/errors.js';
import { searchSpace } from '../core/hpo/search-space.js';
import type { Assignment } from '../core/hpo/trial-observation.js';
import { trialParams } from '../core/hpo/trial-params.js';
import { clampSummary } from '../core/pipeline/clamp-summary.js';
import { newRunId, WORKFLOW_TYPES } from '../core/pipeline/workflow-ids.js';
import { ExperimentSpec } from '../core/specs/experiment.js';
import { parseSpec, resolveParams, RunRequest } from '../core/specs/index.js';
import { KilnExperiment, KilnKind, KilnProject } from '../core/temporal/search-attributes.js';
import { workflowStartInput } from '../core/temporal/workflow-start-input.js';
import type { ExperimentInput, ExperimentView } from '../workflows/experiment-state.js';
import type { PipelineInput } from '../workflows/pipeline-input.js';
import { experimentQuery, extendExperimentUpdate, stopExperimentSignal } from '../workflows/experiment-signals.js';

export interface ExperimentsServiceDeps {
  temporal: Client;
  taskQueue: string;
  /** Resolves a run request against the registered project (KilnService.resolveRun). */
  resolveRun(request: RunRequest): Promise<Omit<PipelineInput, 'runId'>>;
  /** Starts the gate → register → serve part of the pipeline from a succeeded trial (KilnService.promoteTrial). */
  promoteTrial(trialRunId: string): Promise<{ run_id: string }>;
  webUiLink(workflowId: string): string | undefined;
}

/** A row of `GET /v1/experiments`: what Temporal's visibility store knows without asking the workflow. */
export interface ExperimentSummary {
  experiment_id: string;
  project: string;
  /** The workflow's: `completed` covers succeeded and stopped (the experiment's own status says which). */
  state: 'running' | 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed_out';
  started_at: string;
  closed_at?: string;
}

const EXECUTION_STATES: Partial<Record<string, ExperimentSummary['state']>> = {
  RUNNING: 'running',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed_out',
};

/** Tuning experiments for the API and CLI: create, status, best, stop, extend. Each is an experiment workflow. */
export class ExperimentsService {
  constructor(private readonly deps: ExperimentsServiceDeps) {}

  /** Validates the spec against its project (every parameter must fit its params), then starts the experiment. */
  async create(body: unknown) {
    const spec = parseSpec(ExperimentSpec, body);
    const base = await this.deps.resolveRun(parseSpec(RunRequest, { project: spec.project }));
    // A trial's params must parse like a run's: try the corners of the search space now, before any trial.
    for (const corner of [0, 1] as const) {
      const assignment = cornerAssignment(spec, corner);
      try {
        resolveParams(base.project, trialParams(assignment));
      } catch (error) {
        if (!(error instanceof SpecValidationError)) throw error;
        throw new SpecValidationError(error.problems.map((p) => ({ path: parameterPath(spec, p.path), message: `${p.message} (for the project's params)` })));
      }
    }
    const experimentId = newRunId(`exp-${spec.name}`, new Date());
    const input: ExperimentInput = { experimentId, spec, base };
    await this.start(
      input,
      `${spec.algorithm.name} search over ${spec.parameters.map((p) => p.name).join(', ')} (${spec.max_trial_count} trials, ${spec.parallel_trial_count} at once)`,
    );
    return { experiment_id: experimentId, status: 'running', web_ui_url: this.deps.webUiLink(experimentId) };
  }

  /** The trials table and best trial: live while it runs, its result once it ended. */
  async get(experimentId: string): Promise<ExperimentView> {
    const handle = this.deps.temporal.workflow.getHandle(experimentId);
    const description = await handle.describe().catch((error: unknown) => {
      if (error instanceof WorkflowNotFoundError) throw new NotFoundError('experiment', experimentId);
      throw error;
    });
    if (description.type !== WORKFLOW_TYPES.experiment) throw new NotFoundError('experiment', experimentId);
    if (description.status.name === 'RUNNING') return handle.query(experimentQuery);
    try {
      return (await handle.result()) as ExperimentView;
    } catch (error) {
      // A failed experiment (too many failed trials) carries its final view in the failure.
      const cause = error instanceof WorkflowFailedError ? error.cause : undefined;
      if (cause instanceof ApplicationFailure && cause.details?.[0]) return cause.details[0] as ExperimentView;
      throw error;
    }
  }

  /** Experiments, newest first, from Temporal's visibility store: one row per experiment, its latest execution. */
  async list(filter: { project?: string; limit: number }): Promise<ExperimentSummary[]> {
    const query = `${KilnKind.name} = 'experiment'${filter.project ? ` AND ${KilnProject.name} = '${filter.project}'` : ''}`;
    const found = new Map<string, ExperimentSummary>();
    for await (const execution of this.deps.temporal.workflow.list({ query })) {
      // An extended experiment is a new execution under the same id; a continued one is its chain's newest.
      const previous = found.get(execution.workflowId);
      if (previous && previous.started_at >= execution.startTime.toISOString()) continue;
      found.set(execution.workflowId, {
        experiment_id: execution.workflowId,
        project: execution.typedSearchAttributes.get(KilnProject) ?? '',
        state: execution.status.name === 'CONTINUED_AS_NEW' ? 'running' : (EXECUTION_STATES[execution.status.name] ?? 'failed'),
        started_at: execution.startTime.toISOString(),
        ...(execution.closeTime && execution.status.name !== 'CONTINUED_AS_NEW' ? { closed_at: execution.closeTime.toISOString() } : {}),
      });
      if (found.size >= filter.limit * 2) break;
    }
    return [...found.values()].sort((a, b) => b.started_at.localeCompare(a.started_at)).slice(0, filter.limit);
  }

  async best(experimentId: string) {
    const view = await this.get(experimentId);
    if (!view.best) throw new NotFoundError('succeeded trial of experiment', experimentId);
    return { experiment_id: experimentId, objective: view.objective, trial: view.best };
  }

  /** Hands the best trial to the pipeline's validation gate, registry and serving: a new run reusing its stages. */
  async promote(experimentId: string) {
    const { trial } = await this.best(experimentId);
    return { experiment_id: experimentId, trial: trial.index, ...(await this.deps.promoteTrial(trial.runId)) };
  }

  async stop(experimentId: string) {
    const view = await this.get(experimentId);
    if (view.status !== 'running') throw new ConflictError('experiment', `experiment ${experimentId} already ${view.status}`);
    await this.deps.temporal.workflow.getHandle(experimentId).signal(stopExperimentSignal);
    return { experiment_id: experimentId, status: 'stopping' };
  }

  /** Raises max_trial_count: a running experiment takes it at once; a finished one continues from its trials. */
  async extend(experimentId: string, body: unknown) {
    const maxTrialCount = (body as { max_trial_count?: unknown } | undefined)?.max_trial_count;
    const view = await this.get(experimentId);
    if (!Number.isInteger(maxTrialCount) || (maxTrialCount as number) <= view.maxTrialCount) {
      throw new SpecValidationError([
        { path: 'max_trial_count', message: `must be an integer above the current ${view.maxTrialCount}, got ${JSON.stringify(maxTrialCount)}` },
      ]);
    }
    const handle = this.deps.temporal.workflow.getHandle(experimentId);
    if (view.status === 'running') {
      return handle.executeUpdate(extendExperimentUpdate, { args: [{ maxTrialCount: maxTrialCount as number }] });
    }
    if (view.status === 'failed') throw new ConflictError('experiment', `experiment ${experimentId} failed (${view.message}); start a new one`);
    const original = await this.originalInput(experimentId);
    const { best: _best, experimentId: _id, name: _name, objective: _objective, parallelTrialCount: _parallel, ...state } = view;
    await this.start(
      { ...original, state: { ...state, maxTrialCount: maxTrialCount as number, status: 'running', message: undefined } },
      `extended to ${maxTrialCount} trials`,
    );
    return this.get(experimentId);
  }

  private async start(input: ExperimentInput, summary: string) {
    await this.deps.temporal.workflow.start(WORKFLOW_TYPES.experiment, {
      workflowId: input.experimentId,
      taskQueue: this.deps.taskQueue,
      args: [input],
      typedSearchAttributes: [
        { key: KilnKind, value: 'experiment' },
        { key: KilnProject, value: input.spec.project },
        { key: KilnExperiment, value: input.experimentId },
      ],
      staticSummary: clampSummary(`experiment ${input.spec.name}: ${input.spec.objective.goal} ${input.spec.objective.metric} of ${input.spec.project}`),
      staticDetails: summary,
    });
  }

  private async originalInput(experimentId: string): Promise<ExperimentInput> {
    const input = await workflowStartInput<ExperimentInput>(this.deps.temporal, experimentId);
    if (!input) throw new NotFoundError('experiment input', experimentId);
    return input;
  }
}

/** The search space's lower (0) or upper (1) corner, as an assignment. */
function cornerAssignment(spec: ExperimentSpec, corner: 0 | 1): Assignment {
  const space = searchSpace(spec.parameters);
  return space.decode(space.dimensions.map(() => corner));
}

/** `params.extras.C` → `parameters[2].name`, so the error points at the experiment spec. */
function parameterPath(spec: ExperimentSpec, path: string): string {
  const bare = path.replace(/^params\./, '');
  const index = spec.parameters.findIndex((p) => p.name === bare);
  return index === -1 ? path : `parameters[${index}].name`;
}
