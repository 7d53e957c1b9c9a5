import { ModelDeployer } from '../core/serving/model-deployer.js';
import type { ActivityDeps } from './activity-deps.js';
import { classified } from './failures.js';

/** Serving: start the promoted version's model server and swap it in. */
export function createServingActivities({ metadata, artifacts, environments, config, sdkDir }: ActivityDeps) {
  const deployer = new ModelDeployer({ metadata, artifacts, environments, home: config.home, sdkDir });
  return {
    async deployModel(input: { modelName: string; version: number }): Promise<{ url: string; deploymentId: string }> {
      return classified(() => deployer.deploy(input));
    },
  };
}
