import { ApplicationFailure, TimeoutFailure, TimeoutType } from '@temporalio/common';
import { failureClassOfType, type FailureClass } from '../core/pipeline/failure-class.js';
import { PIPELINE_STEPS, type RunProgress, type StepProgress } from '../core/pipeline/run-progress.js';
import type { PipelineInput } from './pipeline-input.js';

/** How the pipeline workflow records its progress: pure helpers, deterministic in the sandbox. */

export function initialProgress(input: PipelineInput): RunProgress {
  return {
    runId: input.runId,
    project: input.project.name,
    modelName: input.project.model_name ?? input.project.name,
    status: 'queued',
    steps: PIPELINE_STEPS.map((step): StepProgress => ({ step, status: 'pending' })),
    params: { ...input.params },
    environmentDigest: input.environment.digest,
    metrics: {},
    ...(input.resume ? { resumedFrom: input.resume.fromRunId } : {}),
    ...(input.trigger ? { trigger: input.trigger.kind } : {}),
    ...(input.trigger?.schedule ? { schedule: input.trigger.schedule } : {}),
  };
}

export function begin(step: StepProgress, status: 'running' | 'waiting' = 'running', message?: string): void {
  step.status = status;
  step.startedAt = new Date().toISOString();
  step.message = message;
}

export function finish(step: StepProgress, status: StepProgress['status'], message?: string, durationMs?: number): void {
  step.status = status;
  step.finishedAt = new Date().toISOString();
  step.durationMs = durationMs ?? (step.startedAt ? Date.parse(step.finishedAt) - Date.parse(step.startedAt) : undefined);
  step.message = message;
}

export function summarizeMetrics(metrics: Record<string, number>): string {
  const entries = Object.entries(metrics).slice(0, 4);
  return entries.map(([k, v]) => `${k}=${Number(v.toPrecision(4))}`).join(' ');
}

/**
 * The failure that explains a run's end: the deepest one in the cause chain whose type Kiln
 * knows (an ApplicationFailure of a classified type, or a Temporal timeout). Wrappers above it
 * (activity and child-workflow failures) and raw causes below it (ENOENT) say less.
 */
function explainingFailure(error: unknown): { failureClass: FailureClass; message: string } | undefined {
  let found: { failureClass: FailureClass; message: string } | undefined;
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if (current instanceof ApplicationFailure && current.type && failureClassOfType(current.type) !== 'internal_error') {
      found = { failureClass: failureClassOfType(current.type), message: current.message };
    } else if (current instanceof TimeoutFailure) {
      // Temporal's own timeouts: a missed heartbeat is a worker that went away.
      found = { failureClass: current.timeoutType === TimeoutType.HEARTBEAT ? 'lost_worker' : 'timeout', message: current.message };
    }
  }
  return found;
}

export function failureClassOf(error: unknown): FailureClass {
  return explainingFailure(error)?.failureClass ?? 'internal_error';
}

export function messageOf(error: unknown): string {
  const explained = explainingFailure(error);
  if (explained && !(explained.failureClass === 'timeout' || explained.failureClass === 'lost_worker')) return explained.message;
  // Otherwise the innermost message: activity failures wrap the real reason.
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(error);
}
