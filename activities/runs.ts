import type { RunProgress } from '../core/pipeline/run-progress.js';
import type { ActivityDeps } from './activity-deps.js';

/** Run records: completed from the workflow's final progress (prepareRun creates them). */
export function createRunActivities({ metadata }: ActivityDeps) {
  return {
    /** Writes the run's final state and every step from the workflow's progress. */
    async finishRun(progress: RunProgress): Promise<void> {
      await metadata.runs.updateRun(progress.runId, {
        status: progress.status,
        datasetVersion: progress.datasetVersion ?? null,
        sourceDigest: progress.sourceDigest ?? null,
        buildWaitMs: progress.buildWaitMs ?? null,
        error: progress.error ?? null,
        failureClass: progress.failureClass ?? null,
        finishedAt: Date.now(),
      });
      // An attempt still marked running when the run ends lost its worker and was never retried.
      for (const step of progress.steps) {
        await metadata.attempts.closeAbandoned(
          progress.runId,
          step.step,
          Number.MAX_SAFE_INTEGER,
          'the worker running this attempt died or lost contact with Temporal',
        );
      }
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
          reusedFrom: step.reusedFrom ?? null,
        });
      }
    },
  };
}
