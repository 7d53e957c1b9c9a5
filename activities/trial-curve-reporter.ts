import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { CurveReportPacing } from '../core/hpo/curve-report-pacing.js';
import type { StageName } from '../core/pipeline/stage-names.js';
import type { MetricPoint } from '../core/runner/metric-line.js';
import { trialCurveSignal } from '../workflows/experiment-signals.js';

/** Where a trial's stage sends its curve: set by experiments that stop trials on these reports. */
export interface CurveTarget {
  experimentId: string;
  trialIndex: number;
  /** The objective metric: only its values with a step are sent. */
  metric: string;
}

export interface TrialCurveReporter {
  /** Every metric the stage logs; the reporter keeps the objective's stepped values. */
  observe(point: MetricPoint): void;
  /** Called on each heartbeat: sends what is new when the pacing allows. */
  tick(): void;
  /** The process has ended: sends what is left, once, and waits for the sends in flight. */
  finish(): Promise<void>;
}

/**
 * Pushes a trial's curve to its experiment as signals, paced (core/hpo/curve-report-pacing.ts),
 * so the experiment needs no polling. Best effort: a failed send keeps its points for the next.
 * An experiment that has closed (terminated, say) can no longer stop this trial, so the trial
 * cancels itself: nobody is left to read its result.
 */
export function trialCurveReporter(
  client: Client,
  target: CurveTarget,
  stage: StageName,
  trialWorkflowId: string,
  now: () => number = Date.now,
): TrialCurveReporter {
  const pacing = new CurveReportPacing(now());
  let pending: { step: number; value: number }[] = [];
  let inFlight: Promise<void> = Promise.resolve();
  let orphaned = false;

  const send = (final: boolean) => {
    const points = pending;
    pending = [];
    pacing.reported(now(), final);
    const sent = client.workflow
      .getHandle(target.experimentId)
      .signal(trialCurveSignal, { index: target.trialIndex, stage, points })
      .catch(async (error: unknown) => {
        if (error instanceof WorkflowNotFoundError) {
          orphaned = true;
          await client.workflow
            .getHandle(trialWorkflowId)
            .cancel()
            .catch(() => undefined);
        } else pending = [...points, ...pending];
      });
    inFlight = inFlight.then(() => sent);
  };

  return {
    observe(point) {
      if (point.name === target.metric && point.step !== undefined) pending.push({ step: point.step, value: point.value });
    },
    tick() {
      if (!orphaned && pending.length > 0 && pacing.mayReport(now())) send(false);
    },
    async finish() {
      await inFlight;
      if (!orphaned && pending.length > 0 && pacing.mayReportFinal()) send(true);
      await inFlight;
    },
  };
}
