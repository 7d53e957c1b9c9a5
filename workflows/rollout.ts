import {
  CancellationScope,
  defineQuery,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  patched,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { KilnActivities } from '../activities/index.js';
import { nonRetriedTypes } from '../core/pipeline/failure-class.js';
import { whatOvertook } from '../core/pipeline/overtaken.js';
import { challengerBreach, challengerUnproven, type ChallengerSummary, type RolloutOutcome } from '../core/rollout/rollout-verdict.js';
import type { RolloutSpec } from '../core/specs/rollout.js';
import { KilnRunStatus } from '../core/temporal/search-attributes.js';

export interface RolloutInput {
  modelName: string;
  championVersion: number;
  challengerVersion: number;
  rollout: RolloutSpec;
  /** `rollout.duration` in ms, worked out by whoever starts the rollout (the sandbox parses no durations). */
  observeMs: number;
  /** Who started it, for the alias history. */
  actor: string;
  /** The pipeline run whose promotion started it (the alias history links to it); absent when started by the API. */
  runId?: string;
  /** Time between two samples of the challenger's numbers; default a tenth of the duration, at least 5 s. */
  sampleEveryMs?: number;
}

export type RolloutStep = 'starting' | 'observing' | 'promoting' | 'rolling-back' | 'done';

export interface RolloutState {
  step: RolloutStep;
  samples: number;
  last: ChallengerSummary | null;
  outcome: RolloutOutcome | null;
  reason: string | null;
  /** Where the promoted version serves, once promoted. */
  endpoint?: string;
  /**
   * Set when the challenger was served but another promotion of the model served after it
   * before it became champion: the version that serves and stays champion (null: none serves).
   */
  overtakenBy?: number | null;
}

export const rolloutStateQuery = defineQuery<RolloutState>('rolloutState');

/** From here on a promoting rollout moves `champion` only while its version is the one serving (as promotion does). */
export const ROLLOUT_CHAMPION_WHILE_SERVING_PATCH = 'kiln-rollout-champion-while-serving';

const { openRollout, deployModel } = proxyActivities<KilnActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: nonRetriedTypes('NotFoundError', 'EnvironmentUnavailableError') },
});
const { sampleRollout, endRollout, moveAlias, moveAliasWhileServing } = proxyActivities<KilnActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 10, maximumInterval: '10 seconds' },
});

/**
 * Progressive delivery of one version (issue 13): the challenger's server starts beside the
 * champion's, takes its share of traffic (canary) or copies of it (shadow) for `duration`, and
 * is sampled at intervals. A canary that stays within its bounds is promoted (served alone, made
 * champion); the first sample that breaks one rolls it back (the champion never stopped serving).
 * A shadow reports and ends; it never promotes itself. One per model at a time: its id is the model's.
 */
export async function rolloutWorkflow(input: RolloutInput): Promise<RolloutState> {
  // Decided before any command, so a rollout keeps the behaviour it started with.
  const championWhileServing = patched(ROLLOUT_CHAMPION_WHILE_SERVING_PATCH);
  const state: RolloutState = { step: 'starting', samples: 0, last: null, outcome: null, reason: null };
  setHandler(rolloutStateQuery, () => state);
  const { workflowId, runId } = workflowInfo();
  const rolloutId = `${workflowId}/${runId}`;
  const spec = input.rollout;
  const challenger = `${input.modelName} v${input.challengerVersion}`;

  const finish = async (outcome: RolloutOutcome, reason: string): Promise<RolloutState> => {
    Object.assign(state, { step: 'done', outcome, reason });
    setCurrentDetails(`**${outcome.replace('_', ' ')}**: ${challenger} — ${reason}`);
    upsertSearchAttributes([{ key: KilnRunStatus, value: outcome }]);
    return state;
  };

  if (spec.strategy === 'replace') {
    state.step = 'promoting';
    const promoted = await promote(input, rolloutId, 'replace', championWhileServing);
    if ('overtakenBy' in promoted) {
      state.overtakenBy = promoted.overtakenBy;
      return finish('rolled_back', overtakenReason(input, promoted.overtakenBy));
    }
    state.endpoint = promoted.endpoint;
    return finish('promoted', 'replaced the champion at once');
  }

  try {
    setCurrentDetails(`Starting ${challenger} beside champion v${input.championVersion}…`);
    upsertSearchAttributes([{ key: KilnRunStatus, value: 'running' }]);
    try {
      await openRollout({
        rolloutId,
        modelName: input.modelName,
        championVersion: input.championVersion,
        challengerVersion: input.challengerVersion,
        spec,
        startedBy: input.actor,
      });
    } catch (error) {
      if (isCancellation(error)) throw error;
      return await rollBack(input, rolloutId, state, `challenger did not start: ${messageOf(error)}`, finish);
    }

    state.step = 'observing';
    const totalMs = input.observeMs;
    const everyMs = input.sampleEveryMs ?? Math.max(5_000, Math.floor(totalMs / 10));
    const samples = Math.max(1, Math.ceil(totalMs / everyMs));
    const share = spec.strategy === 'canary' ? `${spec.percent}% of traffic` : 'a copy of all traffic';
    for (let i = 1; i <= samples; i++) {
      setCurrentDetails(`${challenger} takes ${share} for ${spec.duration}: sample ${i - 1} of ${samples}${state.last ? `\n\n${describe(state.last)}` : ''}`);
      await sleep(Math.min(everyMs, totalMs), { summary: `observe ${challenger}` });
      state.last = await sampleRollout({ rolloutId, championVersion: input.championVersion, challengerVersion: input.challengerVersion });
      state.samples = i;
      const breach = challengerBreach(spec, state.last);
      if (breach) return await rollBack(input, rolloutId, state, breach, finish);
    }

    if (spec.strategy === 'shadow') {
      await endRollout({
        rolloutId,
        modelName: input.modelName,
        challengerVersion: input.challengerVersion,
        outcome: 'completed',
        reason: describe(state.last),
      });
      return finish('completed', `shadow ended, champion keeps serving: ${describe(state.last)}`);
    }
    const unproven = challengerUnproven(spec, state.last);
    if (unproven) return await rollBack(input, rolloutId, state, unproven, finish);
    state.step = 'promoting';
    setCurrentDetails(`Promoting ${challenger}: ${describe(state.last)}`);
    const passed = `canary passed: ${describe(state.last)}`;
    const promoted = await promote(input, rolloutId, passed, championWhileServing);
    const overtaken = 'overtakenBy' in promoted;
    if (overtaken) state.overtakenBy = promoted.overtakenBy;
    else state.endpoint = promoted.endpoint;
    const reason = overtaken ? overtakenReason(input, promoted.overtakenBy) : passed;
    const outcome = overtaken ? 'rolled_back' : 'promoted';
    await endRollout({ rolloutId, modelName: input.modelName, challengerVersion: input.challengerVersion, outcome, reason });
    return finish(outcome, reason);
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // Cancelled: the champion keeps serving alone, whatever step the rollout was in.
    await CancellationScope.nonCancellable(() => rollBack(input, rolloutId, state, 'rollout cancelled', finish));
    throw error;
  }
}

/**
 * The existing deploy path: serve the challenger alone (hot swap), then move `champion` to it:
 * from ROLLOUT_CHAMPION_WHILE_SERVING_PATCH on, only while it is still the version serving. A
 * promotion of the model that served after it (overtaken) keeps serving and stays champion.
 */
async function promote(
  input: RolloutInput,
  rolloutId: string,
  reason: string,
  championWhileServing: boolean,
): Promise<{ endpoint: string } | { overtakenBy: number | null }> {
  const deployed = await deployModel({ modelName: input.modelName, version: input.challengerVersion });
  const move = {
    eventId: `${rolloutId}/champion`,
    modelName: input.modelName,
    alias: 'champion',
    version: input.challengerVersion,
    actor: input.actor,
    ...(input.runId ? { runId: input.runId } : {}),
    reason: `rollout: ${reason}`,
  };
  if (!championWhileServing) {
    await moveAlias(move);
    return { endpoint: deployed.url };
  }
  const crowned = await moveAliasWhileServing(move);
  return crowned.moved ? { endpoint: deployed.url } : { overtakenBy: crowned.servingVersion };
}

function overtakenReason(input: RolloutInput, servingVersion: number | null): string {
  return `v${input.challengerVersion} was served, but ${whatOvertook(servingVersion)}`;
}

async function rollBack(
  input: RolloutInput,
  rolloutId: string,
  state: RolloutState,
  reason: string,
  finish: (outcome: RolloutOutcome, reason: string) => Promise<RolloutState>,
): Promise<RolloutState> {
  state.step = 'rolling-back';
  setCurrentDetails(`Rolling back ${input.modelName} v${input.challengerVersion}: ${reason}`);
  await endRollout({ rolloutId, modelName: input.modelName, challengerVersion: input.challengerVersion, outcome: 'rolled_back', reason });
  return finish('rolled_back', reason);
}

function describe(summary: ChallengerSummary | null): string {
  if (!summary) return 'no sample';
  const parts = [`${summary.requests} requests`, `error rate ${Math.round(summary.errorRate * 10_000) / 10_000}`];
  if (summary.p95Ms !== null) parts.push(`p95 ≤ ${summary.p95Ms} ms`);
  if (summary.agreement !== null) parts.push(`agreement ${Math.round(summary.agreement * 1000) / 1000}`);
  if (summary.predictionPsi !== null) parts.push(`prediction PSI ${Math.round(summary.predictionPsi * 1000) / 1000}`);
  return parts.join(', ');
}

function messageOf(error: unknown): string {
  const cause = (error as { cause?: { message?: string } }).cause;
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}
