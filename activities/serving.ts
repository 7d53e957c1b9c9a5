import { Context } from '@temporalio/activity';
import { ClusterModelServing } from '../core/serving/kubernetes/cluster-model-serving.js';
import { ModelDeployer } from '../core/serving/model-deployer.js';
import type { ActivityDeps } from './activity-deps.js';
import { classified } from './failures.js';
import { heartbeating } from './heartbeating.js';

/** Serving: roll the promoted version out (a local process, or the model's Deployment on Kubernetes) and swap it in. */
export function createServingActivities({ metadata, artifacts, environments, config, sdkDir, cluster }: ActivityDeps) {
  const local = new ModelDeployer({ metadata, artifacts, environments, home: config.home, sdkDir });
  const inCluster = cluster ? new ClusterModelServing({ metadata, cluster }) : undefined;
  return {
    async deployModel(input: { modelName: string; version: number }): Promise<{ url: string; deploymentId: string }> {
      const signal = Context.current().cancellationSignal;
      return classified(() => heartbeating(() => (inCluster ? inCluster.deploy(input, signal) : local.deploy(input))));
    },
  };
}
