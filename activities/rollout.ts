import { Context } from '@temporalio/activity';
import { summarizeChallenger } from '../core/rollout/rollout-summary.js';
import type { ChallengerSummary, RolloutOutcome } from '../core/rollout/rollout-verdict.js';
import type { RolloutSpec } from '../core/specs/rollout.js';
import type { ActivityDeps } from './activity-deps.js';
import { classified } from './failures.js';
import { heartbeating } from './heartbeating.js';

export interface OpenRolloutInput {
  rolloutId: string;
  modelName: string;
  championVersion: number;
  challengerVersion: number;
  spec: Extract<RolloutSpec, { strategy: 'shadow' | 'canary' }>;
  startedBy: string;
}

export interface SampleRolloutInput {
  rolloutId: string;
  championVersion: number;
  challengerVersion: number;
}

export interface EndRolloutInput {
  rolloutId: string;
  modelName: string;
  challengerVersion: number;
  outcome: RolloutOutcome;
  reason: string;
}

/** A rollout's side effects: the challenger's server beside the champion's, the record the API routes by, its live numbers. */
export function createRolloutActivities({ platform, metadata }: ActivityDeps) {
  return {
    /** Starts the challenger's server and opens traffic to it (the record turns `running`). Idempotent. */
    async openRollout(input: OpenRolloutInput): Promise<{ challengerUrl: string }> {
      const signal = Context.current().cancellationSignal;
      return classified(() =>
        heartbeating(async () => {
          await metadata.rollouts.create({ id: input.rolloutId, ...input });
          const candidate = await platform.serving.startCandidate({ modelName: input.modelName, version: input.challengerVersion }, signal);
          await metadata.rollouts.markRunning(input.rolloutId, candidate.url);
          return { challengerUrl: candidate.url };
        }),
      );
    },

    /** The challenger's numbers so far, from the traffic the API counted. */
    async sampleRollout(input: SampleRolloutInput): Promise<ChallengerSummary> {
      const challenger = await metadata.rollouts.traffic(input.rolloutId, input.challengerVersion);
      const champion = await metadata.rollouts.traffic(input.rolloutId, input.championVersion);
      return summarizeChallenger(challenger, champion);
    },

    /** Ends the rollout: routing stops first, then the candidate's server (a promoted version serves from its own deployment). */
    async endRollout(input: EndRolloutInput): Promise<void> {
      await classified(async () => {
        await metadata.rollouts.end(input.rolloutId, input.outcome, input.reason);
        await platform.serving.stopCandidate({ modelName: input.modelName, version: input.challengerVersion });
      });
    },
  };
}
