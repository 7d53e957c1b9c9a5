import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { RunWithStages } from '../metadata/run-records.js';
import type { StageAttemptRecord } from '../metadata/stage-attempts-repository.js';
import { isFailureClass } from '../pipeline/failure-class.js';
import {
  isTerminal,
  PIPELINE_STEPS,
  type AttemptView,
  type PipelineStep,
  type RunProgress,
  type RunStatus,
  type StepProgress,
} from '../pipeline/run-progress.js';
import { KilnRunStatus } from '../temporal/search-attributes.js';

/** A run's status from its search attribute; a run closed before recording its end (terminated) failed. */
export function describedStatus(description: WorkflowExecutionDescription): RunStatus {
  const status = (description.typedSearchAttributes.get(KilnRunStatus) ?? 'queued') as RunStatus;
  if (description.status.name === 'RUNNING' || isTerminal(status)) return status;
  return description.status.name === 'CANCELLED' ? 'cancelled' : 'failed';
}

/** A finished run as stored, in the same shape as the workflow's live progress. */
export function storedProgress(stored: RunWithStages): RunProgress {
  const order = (step: string) => PIPELINE_STEPS.indexOf(step as PipelineStep);
  return {
    runId: stored.id,
    project: stored.project,
    modelName: stored.modelName,
    status: stored.status,
    params: stored.params,
    datasetVersion: stored.datasetVersion ?? undefined,
    sourceDigest: stored.sourceDigest ?? undefined,
    environmentDigest: stored.environmentDigest ?? undefined,
    buildWaitMs: stored.buildWaitMs ?? undefined,
    error: stored.error ?? undefined,
    ...(isFailureClass(stored.failureClass) ? { failureClass: stored.failureClass } : {}),
    ...(stored.resumedFrom ? { resumedFrom: stored.resumedFrom } : {}),
    metrics: {},
    ...(stored.trigger ? { trigger: stored.trigger } : {}),
    ...(stored.schedule ? { schedule: stored.schedule } : {}),
    steps: stored.stages
      .filter((s) => order(s.stage) >= 0)
      .sort((a, b) => order(a.stage) - order(b.stage))
      .map(
        (s): StepProgress => ({
          step: s.stage as PipelineStep,
          status: s.status,
          attempt: s.attempt,
          durationMs: s.durationMs ?? undefined,
          processMs: s.processMs ?? undefined,
          startedAt: s.startedAt ? new Date(s.startedAt).toISOString() : undefined,
          finishedAt: s.finishedAt ? new Date(s.finishedAt).toISOString() : undefined,
          message: s.message ?? undefined,
          ...(s.reusedFrom ? { reusedFrom: s.reusedFrom } : {}),
        }),
      ),
  };
}

/** The run's stage attempts, from the run record, attached to their steps. */
export function withAttempts(progress: RunProgress, attempts: StageAttemptRecord[]): RunProgress {
  if (attempts.length === 0) return progress;
  const iso = (ms: number) => new Date(ms).toISOString();
  const steps = progress.steps.map((step) => {
    // The champion's evaluation (recorded as `champion`) belongs to the promote step.
    const mine = attempts.filter((a) => a.stage === step.step || (step.step === 'promote' && a.stage === 'champion'));
    if (mine.length === 0) return step;
    const views = mine.map(
      (a): AttemptView => ({
        attempt: a.attempt,
        status: a.status,
        ...(a.failureClass ? { failureClass: a.failureClass } : {}),
        ...(a.retried === null ? {} : { retried: a.retried }),
        ...(a.message ? { message: a.message } : {}),
        ...(a.logUri ? { logUri: a.logUri } : {}),
        startedAt: iso(a.startedAt),
        ...(a.finishedAt === null ? {} : { finishedAt: iso(a.finishedAt) }),
      }),
    );
    return { ...step, attempts: views };
  });
  return { ...progress, steps };
}
