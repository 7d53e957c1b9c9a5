import { ActivityCancellationType, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { KilnActivities } from '../activities/index.js';
import { NON_RETRIED_FAILURE_TYPES, PLATFORM_RETRY_ALLOWANCE } from '../core/pipeline/failure-class.js';
import type { PipelineInput } from './pipeline-input.js';

/** The pipeline's activity stubs and their timeouts, shared by its parts. */

const NON_RETRYABLE = [...NON_RETRIED_FAILURE_TYPES];

export const bookkeeping = proxyActivities<KilnActivities>({
  startToCloseTimeout: '5 minutes',
  // prepareRun and deployModel heartbeat: a dead worker's attempt is retried within 30 s.
  heartbeatTimeout: '30 seconds',
  retry: { maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE },
});

/** Fast metadata writes run as local activities: no task-queue round trip per call. */
export const records = proxyLocalActivities<KilnActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 10, nonRetryableErrorTypes: NON_RETRYABLE },
});

export const environmentWait = proxyActivities<KilnActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '30 seconds',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: NON_RETRYABLE },
  summary: 'waiting for the shared environment build',
});

export function stageOptions(policy: PipelineInput['policy']) {
  return {
    startToCloseTimeout: `${policy.timeout_seconds + 120} seconds`,
    heartbeatTimeout: '30 seconds',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    // runStage ends a stage's retries itself once retry_count_limit is used up; this bound only caps platform failures.
    retry: { maximumAttempts: policy.retry_count_limit + 1 + PLATFORM_RETRY_ALLOWANCE, initialInterval: '1 second', nonRetryableErrorTypes: NON_RETRYABLE },
  } as const;
}

export function stageActivities(policy: PipelineInput['policy']) {
  return proxyActivities<KilnActivities>(stageOptions(policy));
}
