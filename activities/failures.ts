import { ApplicationFailure } from '@temporalio/common';
import { isNonRetriedType } from '../core/pipeline/failure-class.js';

/**
 * Turns a thrown error into the ApplicationFailure Temporal acts on: our named permanent
 * errors become non-retryable with their class name as type (core/pipeline/failure-class.ts
 * decides which); anything else is retried.
 */
export function toFailure(error: unknown): unknown {
  if (error instanceof ApplicationFailure) return error;
  if (!(error instanceof Error)) return error;
  const permanent = isNonRetriedType(error.name);
  return ApplicationFailure.create({ type: error.name, message: error.message, nonRetryable: permanent, cause: error });
}

/** Runs `fn`, converting failures with toFailure. */
export async function classified<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toFailure(error);
  }
}
