import { proxyActivities } from '@temporalio/workflow';
import type { BuildResult, EnvironmentRef } from '../activities/environments.js';
import type { KilnActivities } from '../activities/index.js';
import { nonRetriedTypes } from '../core/pipeline/failure-class.js';

const { buildEnvironment } = proxyActivities<KilnActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  // A bad dependency or missing interpreter fails for good; a lost worker is retried.
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: nonRetriedTypes('EnvironmentBuildError', 'EnvironmentUnavailableError') },
  summary: 'create venv and install dependencies',
});

/** One build per spec digest (the workflow id is derived from it), shared by all waiting runs. */
export async function buildEnvironmentWorkflow(input: EnvironmentRef): Promise<BuildResult> {
  return buildEnvironment(input);
}
