import type { RunProgress } from '../core/pipeline/run-progress.js';
import type { ActivityDeps } from './activity-deps.js';
import { kilnMetrics } from '../core/metrics/kiln-metrics.js';

/** Run records: completed from the workflow's final progress (prepareRun creates them). */
export function createRunActivities({ metadata }: ActivityDeps) {
  return {
    /** Writes the run's final state and every step from the workflow's progress. */
    async finishRun(progress: RunProgress): Promise<void> {
      // An attempt still marked running when the run ends lost its worker and was never retried.
      await metadata.attempts.closeAbandonedOfStages(
        progress.runId,
        progress.steps.map((s) => s.step),
        'the worker running this attempt died or lost contact with Temporal',
      );
      kilnMetrics.runsFinished.inc({ project: progress.project, status: progress.status });
      for (const step of progress.steps) if (step.status === 'cached') kilnMetrics.cacheHits.inc({ stage: step.step });
      if (progress.buildWaitMs !== undefined) kilnMetrics.buildWait.observe({ project: progress.project }, progress.buildWaitMs / 1000);
      await metadata.runs.recordEnd(
        progress.runId,
        {
          status: progress.status,
          datasetVersion: progress.datasetVersion ?? null,
          sourceDigest: progress.sourceDigest ?? null,
          buildWaitMs: progress.buildWaitMs ?? null,
          error: progress.error ?? null,
          failureClass: progress.failureClass ?? null,
          finishedAt: Date.now(),
        },
        progress.steps.map((step) => ({
          stage: step.step,
          status: step.status,
          attempt: step.attempt ?? null,
          startedAt: step.startedAt ? Date.parse(step.startedAt) : null,
          finishedAt: step.finishedAt ? Date.parse(step.finishedAt) : null,
          durationMs: step.durationMs ?? null,
          processMs: step.processMs ?? null,
          message: step.message ?? null,
          reusedFrom: step.reusedFrom ?? null,
        })),
      );
    },
  };
}
