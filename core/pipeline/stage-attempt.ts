/*
 * One attempt of one stage: the name it is recorded under, and the id that names its process
 * (`<runId>/<step>/<attempt>`: executor specs, process-group records, Kubernetes labels).
 * Free of imports beyond stage-names so workflow code can use it.
 */
import { STAGES } from './stage-names.js';

/**
 * The name a stage attempt is recorded and stored under: its stage, or `step` when the same
 * stage runs a second time in one run (the champion's evaluation on the challenger's split).
 */
export function stepOf(input: { stage: string; step?: string | undefined }): string {
  return input.step ?? input.stage;
}

export interface StageAttemptRef {
  runId: string;
  /** The stage, or the name it is recorded under (stepOf). */
  step: string;
  attempt: number;
}

/** The id of one stage attempt's process: `<runId>/<step>/<attempt>`. */
export function stageAttemptId({ runId, step, attempt }: StageAttemptRef): string {
  return `${runId}/${step}/${attempt}`;
}

/** The directory an attempt's local workspace gets under `<work>/<runId>/`: `<step>-<attempt>`. */
export function stageWorkspaceName({ step, attempt }: Pick<StageAttemptRef, 'step' | 'attempt'>): string {
  return `${step}-${attempt}`;
}

const ATTEMPT_ID = new RegExp(`^(.+)/(${STAGES.join('|')})/(\\d+)$`);

/**
 * The run, stage and attempt a process id names; undefined for anything else. Only pipeline
 * stages are recognised (not `champion`): their checkpoints are what a dead worker's groups can leave.
 */
export function parseStageAttemptId(id: string): StageAttemptRef | undefined {
  const match = ATTEMPT_ID.exec(id);
  if (!match) return undefined;
  const [, runId, step, attempt] = match as unknown as [string, string, string, string];
  return { runId, step, attempt: Number(attempt) };
}
