import { describe, expect, it } from 'vitest';
import { classifyStageExit } from '../../../core/executors/classify-stage-exit.js';
import type { StageExit } from '../../../core/executors/executor.js';
import {
  FAILURE_CLASSES,
  failureClassOfType,
  FAILURE_TYPE_OF_CLASS,
  FAILURE_CLASS_NAMES,
  NON_RETRIED_FAILURE_TYPES,
} from '../../../core/pipeline/failure-class.js';

const exit = (change: Partial<StageExit>): StageExit => ({
  exitCode: 1,
  signal: null,
  timedOut: false,
  cancelled: false,
  startedAt: new Date(0),
  finishedAt: new Date(1000),
  durationMs: 1000,
  ...change,
});
const classify = (change: Partial<StageExit>, lastOutputLine = 'Traceback: boom') =>
  classifyStageExit('train', exit(change), { timeoutSeconds: 30, lastOutputLine });

describe('classifyStageExit', () => {
  it.each<[string, Partial<StageExit>, string, string, string?]>([
    ['a non-zero exit', { exitCode: 1 }, 'user_code_error', 'train exited with code 1: Traceback: boom'],
    [
      'exit code 2 (the SDK rejecting params)',
      { exitCode: 2 },
      'invalid_input',
      'train rejected its parameters or run contract (exit code 2): Traceback: boom',
    ],
    [
      'a timeout, whatever the signal',
      { exitCode: null, signal: 'SIGKILL', timedOut: true },
      'timeout',
      'train ran longer than timeout_seconds=30 and was stopped with its whole process group',
    ],
    [
      'an unexplained SIGKILL',
      { exitCode: null, signal: 'SIGKILL' },
      'out_of_memory',
      'train was killed (SIGKILL) by something other than Kiln, most likely the out-of-memory killer',
    ],
    [
      'exit code 137 from a shell',
      { exitCode: 137 },
      'out_of_memory',
      'train was killed (SIGKILL) by something other than Kiln, most likely the out-of-memory killer',
    ],
    [
      'a confirmed OOM kill',
      { exitCode: 137, oomKilled: true, platformMessage: 'OOMKilled' },
      'out_of_memory',
      'train was killed by the out-of-memory killer: it used more memory than it may (OOMKilled)',
    ],
    ['Python MemoryError', { exitCode: 1 }, 'out_of_memory', 'train ran out of memory: MemoryError: unable to allocate', 'MemoryError: unable to allocate'],
    ['another signal', { exitCode: null, signal: 'SIGSEGV' }, 'user_code_error', 'train was stopped by signal SIGSEGV: Traceback: boom'],
  ])('%s', (_label, change, failureClass, reason, last) => {
    expect(classify(change, last)).toEqual({ failureClass, reason });
  });
});

describe('failure classes', () => {
  it('map to a Temporal failure type and back', () => {
    for (const cls of FAILURE_CLASS_NAMES) expect(failureClassOfType(FAILURE_TYPE_OF_CLASS[cls])).toBe(cls);
    expect(failureClassOfType('SpecValidationError')).toBe('invalid_input');
    expect(failureClassOfType('SomethingElse')).toBe('internal_error');
    expect(failureClassOfType(undefined)).toBe('internal_error');
  });

  it('retry exactly the classes the run policy retries', () => {
    const notRetried = FAILURE_CLASS_NAMES.filter((c) => !FAILURE_CLASSES[c].retried);
    expect(notRetried).toEqual(['invalid_input', 'missing_data', 'gate_failed', 'environment_unavailable']);
    expect(NON_RETRIED_FAILURE_TYPES).toEqual(expect.arrayContaining(['StageInputError', 'NotFoundError', 'SpecValidationError', 'EnvironmentBuildError']));
    expect(NON_RETRIED_FAILURE_TYPES).not.toContain('StageProcessFailed');
    expect(NON_RETRIED_FAILURE_TYPES).not.toContain('WorkerLost');
  });

  it('do not count platform failures against retry_count_limit', () => {
    expect(FAILURE_CLASS_NAMES.filter((c) => !FAILURE_CLASSES[c].countsTowardsLimit)).toEqual(['evicted', 'lost_worker', 'worker_shutdown']);
  });
});
