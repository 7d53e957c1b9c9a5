import { Context } from '@temporalio/activity';
import { CancelledFailure, TerminatedFailure, WorkflowFailedError } from '@temporalio/client';
import { STAGES } from '../core/pipeline/stage-names.js';
import type { RunProgress } from '../core/pipeline/run-progress.js';
import type { ActivityDeps } from './activity-deps.js';

export interface TrialCurvesInput {
  runIds: string[];
  /** The objective metric. */
  metric: string;
}

/** How a trial's run ended, seen from outside it (it is not a child of the run asking). */
export type TrialEnd = { runId: string; progress: RunProgress } | { runId: string; failure: { cancelled: boolean; message: string } };

/** Tuning experiments: what the workflow needs from the run record and from trials it did not start itself. */
export function createExperimentActivities({ metadata, temporal }: ActivityDeps) {
  return {
    /**
     * Each trial's intermediate values of the objective (points with a step, from the stage
     * that logged them first in pipeline order: train before evaluate), by step.
     */
    async trialCurves(input: TrialCurvesInput): Promise<Record<string, { step: number; value: number }[]>> {
      const curves: Record<string, { step: number; value: number }[]> = {};
      for (const runId of input.runIds) {
        const points = (await metadata.metrics.forRun(runId)).filter((m) => m.name === input.metric && m.step !== null);
        const stage = STAGES.find((s) => points.some((p) => p.stage === s));
        curves[runId] = points
          .filter((p) => p.stage === stage)
          .map((p) => ({ step: p.step!, value: p.value }))
          .sort((a, b) => a.step - b.step);
      }
      return curves;
    },

    /**
     * Waits for a trial started by an earlier run of the experiment (before it continued as
     * new) to end, and says how. Heartbeats, so a lost worker's wait is retried elsewhere.
     */
    async awaitTrialEnd({ runId }: { runId: string }): Promise<TrialEnd> {
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat(), 5_000);
      const cancelled = new Promise<never>((_, reject) => ctx.cancellationSignal.addEventListener('abort', () => reject(ctx.cancellationSignal.reason)));
      try {
        const progress = (await Promise.race([temporal.workflow.getHandle(runId).result(), cancelled])) as RunProgress;
        return { runId, progress };
      } catch (error) {
        if (!(error instanceof WorkflowFailedError)) throw error;
        return { runId, failure: { cancelled: error.cause instanceof CancelledFailure, message: describeEnd(error) } };
      } finally {
        clearInterval(beat);
      }
    },
  };
}

function describeEnd(error: WorkflowFailedError): string {
  if (error.cause instanceof TerminatedFailure) return `trial run terminated: ${error.cause.message}`;
  let current: Error = error;
  while (current.cause instanceof Error) current = current.cause;
  return current.message;
}
