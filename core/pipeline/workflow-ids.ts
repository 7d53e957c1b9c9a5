/** Readable, deterministic workflow IDs, so runs and builds are easy to find in the Web UI. */

/**
 * Builds are keyed by spec digest and task queue: the same digest always maps to the same
 * workflow within a deployment, while two deployments (or test stacks) sharing a namespace on
 * their own queues never join each other's build, which would leave their stages without it.
 */
export function environmentBuildWorkflowId(digest: string, taskQueue: string): string {
  return `env-build-${digest.slice(0, 16)}-${taskQueue}`;
}

/**
 * A run's (or experiment's) id doubles as its workflow id: `<project>-<yyyymmdd>-<hhmmss>-<8 hex>`.
 * 32 random bits: two starts of one project in the same second share an id once in four billion
 * times (and a run start draws again when they do).
 */
export function newRunId(project: string, now: Date, random: () => number = Math.random): string {
  const iso = now.toISOString();
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
  const suffix = Math.floor(random() * 0x1_0000_0000)
    .toString(16)
    .padStart(8, '0');
  return `${project}-${stamp}-${suffix}`;
}

/** How a deployModel workflow fails when a promotion of the same model served after its version did. */
export const DEPLOYMENT_OVERTAKEN = 'DeploymentOvertaken';

export const WORKFLOW_TYPES = {
  pipeline: 'pipelineWorkflow',
  buildEnvironment: 'buildEnvironmentWorkflow',
  deployModel: 'deployModelWorkflow',
  experiment: 'experimentWorkflow',
  datasetWatch: 'datasetWatchWorkflow',
  rollout: 'rolloutWorkflow',
  monitorModel: 'monitorModelWorkflow',
  workspace: 'workspaceWorkflow',
} as const;

/** One deployment workflow per model at a time. */
export function deployWorkflowId(modelName: string): string {
  return `deploy-${modelName}`;
}

/** One rollout per model at a time (shadow, canary). */
export function rolloutWorkflowId(modelName: string): string {
  return `rollout-${modelName}`;
}

/** One workflow per workspace owns its life; a deleted workspace's name may be used again. */
export function workspaceWorkflowId(name: string): string {
  return `workspace-${name}`;
}
