import { FAILURE_CLASSES, type FailureClass } from '../pipeline/failure-class.js';
import type { StageExit } from './executor.js';

/** Exit code kiln_sdk uses for bad params or a broken run contract: retrying cannot help. */
export const INPUT_ERROR_EXIT_CODE = 2;

export interface StageExitFailure {
  failureClass: FailureClass;
  /** Why, in words a user understands, with the stage's last output line where it helps. */
  reason: string;
}

/**
 * Why a stage process that did not succeed ended. The out-of-memory killer sends SIGKILL and
 * nothing else in Kiln does outside a timeout or cancel, so an unexplained SIGKILL (or 137,
 * a shell's report of one) is taken for it, and said to be a likely cause rather than a fact
 * unless the platform confirmed it. Python's MemoryError is the same problem caught in-process.
 */
export function classifyStageExit(stage: string, exit: StageExit, context: { timeoutSeconds: number; lastOutputLine: string }): StageExitFailure {
  const said = context.lastOutputLine;
  const platform = exit.platformMessage ? ` (${exit.platformMessage})` : '';
  if (exit.timedOut) {
    return {
      failureClass: 'timeout',
      reason: `${stage} ran longer than timeout_seconds=${context.timeoutSeconds} and was stopped with its whole process group${platform}`,
    };
  }
  if (exit.platformFailure === 'evicted') {
    return { failureClass: 'evicted', reason: `${stage}'s pod was evicted from its node${platform}` };
  }
  if (exit.platformFailure === 'image_pull_failure') {
    return { failureClass: 'image_pull_failure', reason: `${stage}'s image could not be pulled${platform}` };
  }
  if (exit.oomKilled) {
    return { failureClass: 'out_of_memory', reason: `${stage} was killed by the out-of-memory killer: it used more memory than it may${platform}` };
  }
  const killed = exit.signal === 'SIGKILL' || exit.exitCode === 137;
  if (killed) {
    return {
      failureClass: 'out_of_memory',
      reason: `${stage} was killed (SIGKILL) by something other than Kiln, most likely the out-of-memory killer${platform}`,
    };
  }
  if (/\bMemoryError\b/.test(said)) {
    return { failureClass: 'out_of_memory', reason: `${stage} ran out of memory: ${said}` };
  }
  if (exit.exitCode === INPUT_ERROR_EXIT_CODE) {
    return { failureClass: 'invalid_input', reason: `${stage} rejected its parameters or run contract (exit code ${INPUT_ERROR_EXIT_CODE}): ${said}` };
  }
  const how = exit.exitCode === null ? `was stopped by signal ${exit.signal}` : `exited with code ${exit.exitCode}`;
  return { failureClass: 'user_code_error', reason: `${stage} ${how}: ${said}${platform}` };
}

/** "out of memory: train was killed …" — the class's label first, for lists of attempts. */
export function describeFailure(failure: StageExitFailure): string {
  return `${FAILURE_CLASSES[failure.failureClass].label}: ${failure.reason}`;
}
