import type { RunProgress } from '../core/pipeline/run-progress.js';
import type { Hyperparameters } from '../core/specs/hyperparameters.js';
import type { RunPolicy } from '../core/specs/run-policy.js';
import type { ActivityDeps } from './activity-deps.js';

export interface BeginRunInput {
  runId: string;
  workflowId: string;
  project: string;
  modelName: string;
  params: Hyperparameters;
  policy: RunPolicy;
  environmentDigest: string;
}

/** Run records: created when the workflow starts, completed from its final progress. */
export function createRunActivities({ metadata }: ActivityDeps) {
  return {
    /** Idempotent: a retried start finds its record already there. */
    async beginRun(input: BeginRunInput): Promise<void> {
      await metadata.runs.createRun({
        id: input.runId,
        project: input.project,
        modelName: input.modelName,
        workflowId: input.workflowId,
        status: 'running',
        params: input.params,
        policy: input.policy,
        environmentDigest: input.environmentDigest,
      });
    },

    /** Writes the run's final state and every step from the workflow's progress. */
    async finishRun(progress: RunProgress): Promise<void> {
      await metadata.runs.updateRun(progress.runId, {
        status: progress.status,
        datasetVersion: progress.datasetVersion ?? null,
        sourceDigest: progress.sourceDigest ?? null,
        buildWaitMs: progress.buildWaitMs ?? null,
        error: progress.error ?? null,
        finishedAt: Date.now(),
      });
      for (const step of progress.steps) {
        await metadata.runs.upsertStage({
          runId: progress.runId,
          stage: step.step,
          status: step.status,
          attempt: step.attempt ?? null,
          startedAt: step.startedAt ? Date.parse(step.startedAt) : null,
          finishedAt: step.finishedAt ? Date.parse(step.finishedAt) : null,
          durationMs: step.durationMs ?? null,
          processMs: step.processMs ?? null,
          message: step.message ?? null,
        });
      }
    },
  };
}
