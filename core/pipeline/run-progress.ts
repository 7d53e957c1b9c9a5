/**
 * The live state of a run, as the pipeline workflow holds it and its progress query returns.
 * Pure types and helpers (no Node imports): shared by the workflow, the API and the CLI, so
 * every surface shows the same states.
 */
import type { FailureClass } from './failure-class.js';
import { STAGES } from './stage-names.js';

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'rejected' | 'cancelled';
export type StepStatus = 'pending' | 'waiting' | 'running' | 'succeeded' | 'failed' | 'skipped' | 'cancelled' | 'cached';

/**
 * Steps of a pipeline run, in order. `environment` is the build wait; `gate` the validation
 * gate; `promote` decides champion or challenger (and waits for approval in manual mode).
 */
export const PIPELINE_STEPS = ['prepare', 'environment', ...STAGES, 'gate', 'register', 'promote', 'serve'] as const;
export type PipelineStep = (typeof PIPELINE_STEPS)[number];

export interface StepProgress {
  step: PipelineStep;
  status: StepStatus;
  /** ISO timestamps measured where the work ran. */
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  /** Wall time of the user process alone (stage steps). */
  processMs?: number;
  attempt?: number;
  /** Short human-readable state: "waiting for environment build", "accuracy 0.96 ≥ 0.9". */
  message?: string;
  /** A `cached` stage: the run whose outputs it reused. */
  reusedFrom?: string;
  /** Every attempt and how it ended; filled in from the run record by the API, not by the workflow. */
  attempts?: AttemptView[];
}

export interface AttemptView {
  attempt: number;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  failureClass?: FailureClass;
  /** Whether the stage was retried after this attempt (absent while it runs). */
  retried?: boolean;
  message?: string;
  logUri?: string;
  startedAt: string;
  finishedAt?: string;
}

export interface RunProgress {
  runId: string;
  project: string;
  modelName: string;
  status: RunStatus;
  steps: StepProgress[];
  params: Record<string, unknown>;
  datasetVersion?: string;
  sourceDigest?: string;
  environmentDigest?: string;
  buildWaitMs?: number;
  /** Final metrics of the evaluate stage. */
  metrics: Record<string, number>;
  modelVersion?: number;
  endpoint?: string;
  error?: string;
  /** Why the run failed, when it did. */
  failureClass?: FailureClass;
  /** The failed run this run resumed. */
  resumedFrom?: string;
  /** Why the run started (`schedule`, `new_data`, `drift`, `manual`, `api`) and the schedule that started it. */
  trigger?: string;
  schedule?: string;
  /** The champion this run's model was compared with, and its metrics on this run's test split. */
  champion?: { version: number; metrics?: Record<string, number> };
  /** Where promotion ended: this version became `champion`, stayed `challenger`, or was `rejected` on approval. */
  promotion?: 'champion' | 'challenger' | 'rejected' | 'awaiting_approval';
  /** Manual mode: who approved or rejected, and why. */
  decision?: { approve: boolean; by: string; reason?: string; at: string };
}

export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'rejected', 'cancelled'];

export function isTerminal(status: RunStatus): boolean {
  return TERMINAL_RUN_STATUSES.includes(status);
}

/** One line per step, for the Web UI's current details and the CLI. */
export function describeProgress(progress: RunProgress): string {
  const lines = progress.steps.map((s) => {
    const time = s.durationMs === undefined ? '' : ` ${(s.durationMs / 1000).toFixed(2)}s`;
    return `- ${s.step}: ${s.status}${time}${s.message ? ` — ${s.message}` : ''}`;
  });
  return [`**${progress.project}** run \`${progress.runId}\`: ${progress.status}`, ...lines].join('\n');
}
