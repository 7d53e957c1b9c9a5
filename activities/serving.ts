import { Context } from '@temporalio/activity';
import type { ActivityDeps } from './activity-deps.js';
import { classified } from './failures.js';
import { heartbeating } from './heartbeating.js';

/** Serving: roll the promoted version out on the platform (a local process, a Deployment) and swap it in. */
export function createServingActivities({ platform }: ActivityDeps) {
  return {
    async deployModel(input: { modelName: string; version: number }): Promise<{ url: string; deploymentId: string }> {
      const signal = Context.current().cancellationSignal;
      return classified(() => heartbeating(() => platform.serving.deploy(input, signal)));
    },
  };
}
