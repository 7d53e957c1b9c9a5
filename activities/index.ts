import type { ActivityDeps } from './activity-deps.js';
import { createDatasetWatchActivities } from './dataset-watch.js';
import { createEnvironmentActivities } from './environments.js';
import { createExperimentActivities } from './experiments.js';
import { createMonitoringActivities } from './monitoring.js';
import { createPrepareActivities } from './prepare.js';
import { createPromotionActivities } from './promotion.js';
import { createRegistryActivities } from './registry.js';
import { createRolloutActivities } from './rollout.js';
import { createRunActivities } from './runs.js';
import { createServingActivities } from './serving.js';
import { createStageActivities } from './stages.js';
import { createWorkspaceActivities } from './workspaces.js';

/** Every activity, built from real dependencies once per worker. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createRunActivities(deps),
    ...createPrepareActivities(deps),
    ...createEnvironmentActivities(deps),
    ...createStageActivities(deps),
    ...createRegistryActivities(deps),
    ...createServingActivities(deps),
    ...createExperimentActivities(deps),
    ...createPromotionActivities(deps),
    ...createDatasetWatchActivities(deps),
    ...createRolloutActivities(deps),
    ...createMonitoringActivities(deps),
    ...createWorkspaceActivities(deps),
  };
}

export type KilnActivities = ReturnType<typeof createActivities>;
export type { ActivityDeps };
