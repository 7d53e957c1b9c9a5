import type { Client, WorkflowHandle } from '@temporalio/client';
import { environmentBuildWorkflowId, WORKFLOW_TYPES } from '../pipeline/workflow-ids.js';
import type { EnvironmentSpec } from '../specs/environment.js';
import { KilnEnvironmentDigest, KilnKind } from './search-attributes.js';

export interface EnvironmentBuildRef {
  name: string;
  digest: string;
  spec: EnvironmentSpec;
}

/**
 * Starts the build workflow of a spec digest, or returns the one already running: the
 * workflow id comes from the digest, so concurrent requests share one build.
 */
export function startEnvironmentBuild(client: Client, taskQueue: string, ref: EnvironmentBuildRef): Promise<WorkflowHandle> {
  return client.workflow.start(WORKFLOW_TYPES.buildEnvironment, {
    taskQueue,
    workflowId: environmentBuildWorkflowId(ref.digest, taskQueue),
    args: [ref],
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [
      { key: KilnKind, value: 'environment-build' },
      { key: KilnEnvironmentDigest, value: ref.digest },
    ],
    staticSummary: `Build environment ${ref.name} (python ${ref.spec.python_version}, ${ref.spec.dependencies.length} dependencies)`,
  });
}
