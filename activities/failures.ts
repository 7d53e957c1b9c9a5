import { ApplicationFailure } from '@temporalio/common';
import { NON_RETRYABLE_ERROR_TYPES } from '../core/errors.js';

/**
 * Turns a thrown error into the ApplicationFailure Temporal acts on: our named permanent
 * errors become non-retryable with their class name as type; anything else is retried.
 */
export function toFailure(error: unknown): unknown {
  if (error instanceof ApplicationFailure) return error;
  if (!(error instanceof Error)) return error;
  const permanent = (NON_RETRYABLE_ERROR_TYPES as readonly string[]).includes(error.name);
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
