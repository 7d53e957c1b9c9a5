import { proxyActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { KilnActivities } from '../activities/index.js';
import type { MonitoringOutcome } from '../activities/monitoring.js';

/** What the monitor schedule `kiln-monitor-<model>` starts (core/schedules/monitor-schedule.ts). */
export interface MonitorModelInput {
  /** The project whose `monitoring` spec applies (read when the run starts, so edits apply at the next fire). */
  project: string;
  model: string;
  /** The schedule's interval (`monitoring.schedule`), in ms: the window ends at the fire time it belongs to. */
  intervalMs: number;
  /** The window's end (ISO); absent: the schedule's latest fire time at or before this run's start. */
  windowEnd?: string;
}

export interface MonitorModelResult {
  windowEnd: string;
  outcome: MonitoringOutcome;
  /** The retraining run a drifted window started (`existing`: an earlier run of this window started it). */
  retrain?: { runId: string; existing: boolean };
  /** The webhook's answer to a drifted window's alert. */
  alerted?: { status: number };
}

const { writeMonitoringReport } = proxyActivities<KilnActivities>({
  startToCloseTimeout: '10 minutes',
  // Reading a window's log heartbeats; a lost worker's report is redone within 30 s.
  heartbeatTimeout: '30 seconds',
  retry: { maximumAttempts: 3, initialInterval: '2 seconds' },
  summary: 'compare the window with the training data',
});

const { startDriftRetrain } = proxyActivities<KilnActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5, initialInterval: '2 seconds' },
  summary: 'start the retraining run',
});

const { sendDriftAlert } = proxyActivities<KilnActivities>({
  startToCloseTimeout: '30 seconds',
  // A receiver that is down for a while still gets the alert; a 4xx answer is not retried (the activity says so).
  retry: { maximumAttempts: 8, initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
  summary: 'post the drift alert',
});

/**
 * One window of a served model's monitor: write the report, then act on drift as the project's
 * `monitoring.on_drift` says. Started by a Temporal Schedule per monitored model, like the
 * dataset watcher (why a schedule: core/schedules/dataset-watch-schedule.ts).
 */
export async function monitorModelWorkflow(input: MonitorModelInput): Promise<MonitorModelResult> {
  const windowEnd = input.windowEnd ?? new Date(alignedWindowEnd(workflowInfo().runStartTime.getTime(), input.intervalMs)).toISOString();
  setCurrentDetails(`Monitoring **${input.model}** over the window ending ${windowEnd}…`);
  const window = { project: input.project, model: input.model, windowEnd };
  const outcome = await writeMonitoringReport(window);
  const result: MonitorModelResult = { windowEnd, outcome };
  if (outcome.status === 'reported' && outcome.drifted) {
    if (outcome.onDrift === 'retrain') result.retrain = await startDriftRetrain(window);
    if (outcome.onDrift === 'alert') result.alerted = await sendDriftAlert({ project: input.project, reportKey: outcome.reportKey });
  }
  setCurrentDetails(describeMonitoring(input.model, result));
  return result;
}

/**
 * The latest multiple of `intervalMs` at or before `atMs`. Temporal fires interval schedules at
 * multiples of the interval since the epoch, so this is the fire time of a scheduled run, and a
 * run triggered by hand between two fires redoes the latest window instead of making a new one.
 */
export function alignedWindowEnd(atMs: number, intervalMs: number): number {
  return Math.floor(atMs / intervalMs) * intervalMs;
}

/** What a monitor run did, for the Web UI's current details. */
export function describeMonitoring(model: string, result: MonitorModelResult): string {
  const { outcome } = result;
  if (outcome.status === 'skipped') return `Model **${model}**: nothing monitored (${outcome.reason}).`;
  const drift = outcome.drifted ? `drifted (${[...outcome.driftedFeatures, ...(outcome.predictionDrifted ? ['predictions'] : [])].join(', ')})` : 'no drift';
  const action = result.retrain
    ? `; retraining run ${result.retrain.runId}${result.retrain.existing ? ' (already started)' : ''}`
    : result.alerted
      ? `; alert posted (${result.alerted.status})`
      : '';
  return `Model **${model}**, window ending ${outcome.windowEnd}: ${outcome.predictions} predictions, ${drift}${action}.`;
}
