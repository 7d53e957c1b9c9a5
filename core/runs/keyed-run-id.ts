import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { idempotentRunId } from '../pipeline/idempotent-run-id.js';

/** Generations tried before giving up: a key reused after this many retention periods is a stuck client. */
const MAX_GENERATIONS = 1_000;

/**
 * The run id an idempotency key names now: the first generation Temporal still has (a retry:
 * the caller's start finds it and returns it), else the first no run was ever recorded under.
 * A generation whose workflow the namespace's retention removed but whose run record remains is
 * skipped, so reusing a key after retention starts a new run with its own artifact prefix
 * instead of writing over the old run's outputs and record.
 */
export async function keyedRunId(temporal: Client, runs: Pick<MetadataStore['runs'], 'getRun'>, project: string, key: string): Promise<string> {
  for (let generation = 1; generation <= MAX_GENERATIONS; generation++) {
    const runId = idempotentRunId(project, key, generation);
    if (await inTemporal(temporal, runId)) return runId;
    if (!(await runs.getRun(runId))) return runId;
  }
  throw new Error(`idempotency key of project ${project} has started ${MAX_GENERATIONS} runs; use a new key`);
}

async function inTemporal(temporal: Client, workflowId: string): Promise<boolean> {
  try {
    await temporal.workflow.getHandle(workflowId).describe();
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}
