/*
 * Why an attempt (or a run) failed, as a small vocabulary the run record, the API and the CLI
 * share. Free of imports (zod included) so workflow code can use it.
 */

export const FAILURE_CLASS_NAMES = Object.freeze([
  'invalid_input',
  'missing_data',
  'gate_failed',
  'environment_unavailable',
  'user_code_error',
  'out_of_memory',
  'timeout',
  'image_pull_failure',
  'evicted',
  'lost_worker',
  'worker_shutdown',
  'internal_error',
] as const);
export type FailureClass = (typeof FAILURE_CLASS_NAMES)[number];

export function isFailureClass(value: unknown): value is FailureClass {
  return (FAILURE_CLASS_NAMES as readonly unknown[]).includes(value);
}

export interface FailureClassPolicy {
  /** Retrying can help. */
  retried: boolean;
  /**
   * Counts towards run_policy.retry_count_limit. Failures of the platform rather than of the
   * stage (a worker lost or shut down, a pod evicted) are retried without using up the limit.
   */
  countsTowardsLimit: boolean;
  /** What it means, in words for the person reading the run record. */
  label: string;
}

export const FAILURE_CLASSES: Readonly<Record<FailureClass, FailureClassPolicy>> = Object.freeze({
  invalid_input: { retried: false, countsTowardsLimit: true, label: 'invalid spec or parameters' },
  missing_data: { retried: false, countsTowardsLimit: true, label: 'missing data' },
  gate_failed: { retried: false, countsTowardsLimit: true, label: 'validation gate rejected the model' },
  environment_unavailable: { retried: false, countsTowardsLimit: true, label: 'environment unavailable' },
  user_code_error: { retried: true, countsTowardsLimit: true, label: 'user code failed' },
  out_of_memory: { retried: true, countsTowardsLimit: true, label: 'out of memory' },
  timeout: { retried: true, countsTowardsLimit: true, label: 'timed out' },
  image_pull_failure: { retried: true, countsTowardsLimit: true, label: 'image could not be pulled' },
  evicted: { retried: true, countsTowardsLimit: false, label: 'evicted from its node' },
  lost_worker: { retried: true, countsTowardsLimit: false, label: 'worker lost' },
  worker_shutdown: { retried: true, countsTowardsLimit: false, label: 'worker shut down' },
  internal_error: { retried: true, countsTowardsLimit: true, label: 'internal error' },
});

/**
 * The Temporal failure type each class travels as. Failures thrown elsewhere (named errors of
 * core/errors.ts) map back through failureClassOfType.
 */
export const FAILURE_TYPE_OF_CLASS: Readonly<Record<FailureClass, string>> = Object.freeze({
  invalid_input: 'StageInputError',
  missing_data: 'NotFoundError',
  gate_failed: 'ValidationGateRejected',
  environment_unavailable: 'EnvironmentUnavailableError',
  user_code_error: 'StageProcessFailed',
  out_of_memory: 'StageOutOfMemory',
  timeout: 'StageTimeout',
  image_pull_failure: 'StageImagePullFailed',
  evicted: 'StageEvicted',
  lost_worker: 'WorkerLost',
  worker_shutdown: 'WorkerShutdown',
  internal_error: 'InternalError',
});

const CLASS_OF_TYPE: Readonly<Record<string, FailureClass>> = Object.freeze({
  ...Object.fromEntries(Object.entries(FAILURE_TYPE_OF_CLASS).map(([cls, type]) => [type, cls as FailureClass])),
  SpecValidationError: 'invalid_input',
  MissingDataError: 'missing_data',
  // A corrupt object stays corrupt: reading it again cannot help.
  ArtifactIntegrityError: 'missing_data',
  EnvironmentBuildError: 'environment_unavailable',
});

/** The class of a Temporal failure type (ApplicationFailure.type); unknown types are internal errors. */
export function failureClassOfType(type: string | undefined | null): FailureClass {
  return (type && CLASS_OF_TYPE[type]) || 'internal_error';
}

/** Failure types a retry cannot help with, for Temporal retry policies. */
export const NON_RETRIED_FAILURE_TYPES: readonly string[] = Object.freeze(
  Object.entries(CLASS_OF_TYPE)
    .filter(([, cls]) => !FAILURE_CLASSES[cls].retried)
    .map(([type]) => type),
);

/** Whether Temporal must not retry a failure of this type (ApplicationFailure.type, or a named error's name). */
export function isNonRetriedType(type: string): boolean {
  return NON_RETRIED_FAILURE_TYPES.includes(type);
}

/**
 * Some of NON_RETRIED_FAILURE_TYPES, for an activity whose other failures cannot happen or are
 * worth retrying. In the order given, since a workflow's retry policy is part of its recorded
 * commands; a type the table retries is a programming error, refused when the workflow loads.
 */
export function nonRetriedTypes(...types: string[]): string[] {
  const retried = types.filter((type) => !isNonRetriedType(type));
  if (retried.length) throw new TypeError(`not non-retried failure types in failure-class.ts: ${retried.join(', ')}`);
  return types;
}

/**
 * Attempts beyond retry_count_limit + 1 that a stage may take for failures of the platform (a
 * worker lost or shut down, a pod evicted), which runStage does not count against the limit.
 */
export const PLATFORM_RETRY_ALLOWANCE = 3;
