import { STAGES } from '../core/pipeline/stage-names.js';
import type { ActivityDeps } from './activity-deps.js';

export interface TrialCurvesInput {
  runIds: string[];
  /** The objective metric. */
  metric: string;
}

/** Tuning experiments: what the workflow needs from the run record to apply early stopping. */
export function createExperimentActivities({ metadata }: ActivityDeps) {
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
  };
}
