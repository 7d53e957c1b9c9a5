import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { clampSummary } from '../pipeline/clamp-summary.js';
import { eagerStartOption } from '../temporal/client-connection.js';
import { WORKFLOW_TYPES } from '../pipeline/workflow-ids.js';
import { KilnKind, KilnModel, KilnProject, KilnRunStatus, KilnSchedule, KilnTrigger } from '../temporal/search-attributes.js';
import type { PipelineInput } from '../../workflows/pipeline-input.js';

/** The search attributes every pipeline run carries, so the Web UI and `temporal workflow list` can filter on them. */
export function pipelineSearchAttributes(input: Pick<PipelineInput, 'project' | 'trigger'>) {
  return [
    { key: KilnKind, value: 'pipeline' },
    { key: KilnProject, value: input.project.name },
    { key: KilnModel, value: input.project.model_name ?? input.project.name },
    { key: KilnRunStatus, value: 'queued' },
    ...(input.trigger ? [{ key: KilnTrigger, value: input.trigger.kind }] : []),
    ...(input.trigger?.schedule ? [{ key: KilnSchedule, value: input.trigger.schedule }] : []),
  ];
}

/** One line for the Web UI's summary of a run: the project and its params. */
export function runSummary(input: PipelineInput): string {
  const { params } = input;
  const extras = Object.entries(params.extras)
    .map(([k, v]) => ` ${k}=${v}`)
    .join('');
  const why = input.resume
    ? ` (resumes ${input.resume.fromRunId})`
    : input.trigger?.kind === 'new_data'
      ? ` (new data ${input.trigger.datasetVersion})`
      : input.trigger?.kind === 'drift'
        ? ` (drift in the window ending ${input.trigger.driftWindowEnd})`
        : '';
  return clampSummary(`${input.project.name}: lr=${params.learning_rate} epochs=${params.epochs} seed=${params.seed}${extras}${why}`);
}

/**
 * Starts a resolved pipeline run whose workflow id is its run id. FAIL + REJECT_DUPLICATE: of
 * racing starts with one id exactly one wins (WorkflowExecutionAlreadyStartedError for the
 * others), and an id stays bound to its run after the run closes.
 */
export async function startPipelineRun(temporal: Client, taskQueue: string, input: PipelineInput, memo: Record<string, unknown> = {}): Promise<void> {
  const { runId, environment, policy } = input;
  await temporal.workflow.start(WORKFLOW_TYPES.pipeline, {
    ...eagerStartOption(temporal),
    taskQueue,
    workflowId: runId,
    args: [input],
    workflowIdConflictPolicy: 'FAIL',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    memo,
    typedSearchAttributes: pipelineSearchAttributes(input),
    staticSummary: runSummary(input),
    staticDetails: `environment ${environment.name} (${environment.digest.slice(0, 12)}), dataset ${input.dataset.name}, timeout ${policy.timeout_seconds}s, retries ${policy.retry_count_limit}`,
  });
}

/** Starts the run unless its id is taken: a deterministic id makes racing or repeated starts start it once. */
export async function startPipelineRunOnce(temporal: Client, taskQueue: string, input: PipelineInput): Promise<{ runId: string; existing: boolean }> {
  try {
    await startPipelineRun(temporal, taskQueue, input);
    return { runId: input.runId, existing: false };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { runId: input.runId, existing: true };
    throw error;
  }
}
