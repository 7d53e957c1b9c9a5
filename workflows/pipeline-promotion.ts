import { ApplicationFailure, condition, patched, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { PlanPromotionInput, PromotionPlan } from '../activities/promotion.js';
import type { StageResult } from '../activities/stages.js';
import { compareToChampion } from '../core/pipeline/champion-compare.js';
import { whatOvertook } from '../core/pipeline/overtaken.js';
import type { RunProgress, StepProgress } from '../core/pipeline/run-progress.js';
import { KilnPromotion } from '../core/temporal/search-attributes.js';
import type { PipelineInput } from './pipeline-input.js';
import { bookkeeping, records, stageActivities, stageOptions } from './pipeline-proxies.js';
import { promotionDecisionUpdate, type PromotionDecision } from './pipeline-signals.js';
import { begin, finish } from './pipeline-progress.js';
import { ROLLOUT_ON_PROMOTION_PATCH, rollOutGradually } from './pipeline-rollout.js';

/** The decisions a manual-mode run can receive, registered when the workflow starts. */
export interface ApprovalBox {
  awaiting: boolean;
  decision?: PromotionDecision;
}

/** Registers the approve/reject update; its validator refuses it unless the run is waiting. */
export function acceptApprovals(progress: RunProgress): ApprovalBox {
  const box: ApprovalBox = { awaiting: false };
  setHandler(
    promotionDecisionUpdate,
    (decision) => {
      box.decision = decision;
      return { runId: progress.runId, version: progress.modelVersion ?? 0, approve: decision.approve };
    },
    {
      validator: (decision) => {
        if (!box.awaiting || box.decision)
          throw ApplicationFailure.nonRetryable(
            `run ${progress.runId} is not waiting for approval (promote: ${progress.steps.find((s) => s.step === 'promote')?.status ?? 'unknown'})`,
            'NotAwaitingApproval',
          );
        if (typeof decision?.by !== 'string' || !decision.by) throw ApplicationFailure.nonRetryable('by: required', 'SpecValidationError');
      },
    },
  );
  return box;
}

export interface PromotionContext {
  input: PipelineInput;
  progress: RunProgress;
  step(name: StepProgress['step']): StepProgress;
  publish(): void;
  approvals: ApprovalBox;
  version: number;
  datasetPrefix: string;
  /** The challenger's evaluate metrics. */
  metrics: Record<string, number>;
  gpuTaskQueue: string | undefined;
  /** Plan in a local activity (CACHE_HITS_IN_PREPARE_PATCH): it only reads metadata. */
  localPlan?: boolean;
  /** Move `champion` only while this version serves (CHAMPION_WHILE_SERVING_PATCH). */
  championWhileServing?: boolean;
}

/**
 * register → promote → serve: the challenger faces the champion (evaluated on the challenger's
 * test split), waits for approval in manual mode, and only a winner is served and made
 * champion. A loser is registered as `challenger` and the champion keeps serving.
 */
export async function promoteAndServe(ctx: PromotionContext): Promise<void> {
  const { input, progress, step, publish, version } = ctx;
  const { project } = input;
  const policy = project.promotion ?? { mode: 'auto' as const, approval_timeout: '24h' };
  const rule = policy.compare_to_champion;
  const model = progress.modelName;
  const promote = step('promote');
  begin(promote, 'running', rule ? `comparing with the champion on ${rule.metric}` : 'deciding champion');
  publish();
  const planInput: PlanPromotionInput = {
    runId: input.runId,
    modelName: model,
    version,
    datasetPrefix: ctx.datasetPrefix,
    evaluateEntrypoint: project.entrypoints.evaluate,
    evaluateChampion: rule !== undefined,
    timeoutSeconds: input.policy.timeout_seconds,
    cache: input.cache ?? true,
  };
  const planOptions = { startToCloseTimeout: '1 minute', summary: `who is champion of ${model}?` } as const;
  const plan: PromotionPlan = ctx.localPlan
    ? await records.planPromotion.executeWithOptions(planOptions, [planInput])
    : await bookkeeping.planPromotion.executeWithOptions(planOptions, [planInput]);

  if (plan.kind === 'already-champion') {
    progress.promotion = 'champion';
    finish(promote, 'skipped', `v${version} is already champion`);
    // Nothing to swap; deploying is idempotent and brings its server back if it is not running.
    if (project.serve) await serve(ctx, `v${version} already champion, serving at`);
    else finish(step('serve'), 'skipped', 'serving disabled for this project');
    return;
  }
  let won = plan.kind === 'no-champion' ? 'first champion' : `replaces champion v${plan.championVersion}`;
  if (plan.kind === 'unavailable')
    return keepChampion(ctx, plan.championVersion, `champion v${plan.championVersion} kept: it could not be evaluated on this split (${plan.reason})`);
  if (plan.kind === 'compare' && rule) {
    const queue = plan.evaluation.resources?.gpus && ctx.gpuTaskQueue ? { taskQueue: ctx.gpuTaskQueue } : {};
    const evaluated: StageResult = await stageActivities(input.policy).runStage.executeWithOptions(
      { ...stageOptions(input.policy), ...queue, summary: `evaluate champion v${plan.championVersion} on this run's test split` },
      [plan.evaluation],
    );
    progress.champion = { version: plan.championVersion, metrics: evaluated.metrics };
    const verdict = compareToChampion(rule, ctx.metrics, evaluated.metrics);
    if ('error' in verdict) return keepChampion(ctx, plan.championVersion, `champion v${plan.championVersion} kept: ${verdict.error}`);
    if (!verdict.challengerWins) return keepChampion(ctx, plan.championVersion, `did not beat champion v${plan.championVersion} (${verdict.detail})`);
    won = `beat champion v${plan.championVersion} (${verdict.detail})`;
  } else if (plan.kind !== 'no-champion') progress.champion = { version: plan.championVersion };

  let actor = 'promotion';
  let reason = won;
  if (policy.mode === 'manual') {
    begin(promote, 'waiting', `waiting for approval: kiln model approve ${model} --run ${input.runId} (or reject); ${won}`);
    progress.promotion = 'awaiting_approval';
    upsertSearchAttributes([{ key: KilnPromotion, value: 'awaiting_approval' }]);
    publish();
    ctx.approvals.awaiting = true;
    const decided = await condition(() => ctx.approvals.decision !== undefined, policy.approval_timeout);
    ctx.approvals.awaiting = false;
    const decision = ctx.approvals.decision;
    if (!decided || !decision) return reject(ctx, `rejected: no decision within ${policy.approval_timeout}`, 'timeout');
    progress.decision = { ...decision, at: new Date().toISOString() };
    if (!decision.approve) return reject(ctx, `rejected by ${decision.by}${decision.reason ? `: ${decision.reason}` : ''}`, decision.by);
    actor = decision.by;
    reason = `approved by ${decision.by}${decision.reason ? `: ${decision.reason}` : ''}; ${won}`;
    begin(promote, 'running', reason);
  }

  const gradual = project.serve && project.rollout && project.rollout.strategy !== 'replace' ? project.rollout : undefined;
  // Runs recorded before the patch hot-swapped whatever their project's rollout said.
  if (gradual && patched(ROLLOUT_ON_PROMOTION_PATCH)) {
    const rolled = await rollOutGradually(ctx, gradual, actor);
    if (rolled.kind === 'kept') return keepChampion(ctx, rolled.servingVersion, `v${version} ${won}, but ${rolled.reason}`);
    if (rolled.kind === 'overtaken') return overtaken(ctx, rolled.servingVersion, won);
    if (rolled.kind === 'promoted') {
      // The rollout moved `champion` itself (linked to this run) once the canary passed.
      if (rolled.endpoint) progress.endpoint = rolled.endpoint;
      return becameChampion(ctx, `${reason}; ${rolled.reason}`);
    }
  }
  if (project.serve) await serve(ctx, 'serving at');
  else finish(step('serve'), 'skipped', 'serving disabled for this project');
  const championMove = { eventId: `${input.runId}/champion`, modelName: model, alias: 'champion', version, actor, runId: input.runId, reason };
  if (project.serve && ctx.championWhileServing) {
    const crowned = await records.moveAliasWhileServing(championMove);
    if (!crowned.moved) return overtaken(ctx, crowned.servingVersion, won);
  } else await records.moveAlias(championMove);
  becameChampion(ctx, reason);
}

function becameChampion(ctx: PromotionContext, reason: string): void {
  const { progress, step, version } = ctx;
  const promote = step('promote');
  progress.promotion = 'champion';
  upsertSearchAttributes([{ key: KilnPromotion, value: 'champion' }]);
  finish(promote, 'succeeded', `v${version} is champion: ${reason}`);
}

/** Deploys the run's version (a hot swap, or nothing when it already serves). */
async function serve(ctx: PromotionContext, saying: string): Promise<void> {
  const { progress, version } = ctx;
  const step = ctx.step('serve');
  begin(step);
  ctx.publish();
  const deployed = await bookkeeping.deployModel.executeWithOptions(
    { startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 3 }, summary: `serve ${progress.modelName} v${version}` },
    [{ modelName: progress.modelName, version }],
  );
  progress.endpoint = deployed.url;
  finish(step, 'succeeded', `${saying} ${deployed.url}`);
}

/** The challenger lost (or could not be compared): registered as `challenger`, not served. */
async function keepChampion(ctx: PromotionContext, championVersion: number, message: string): Promise<void> {
  ctx.progress.champion ??= { version: championVersion };
  await endAsChallenger(ctx, { message, actor: 'promotion', outcome: 'challenger', serving: `champion v${championVersion} keeps serving` });
}

/**
 * Another promotion of this model served after this run's did (or the model was undeployed
 * meanwhile): that version serves and is champion; this one is registered as `challenger`.
 */
async function overtaken(ctx: PromotionContext, servingVersion: number | null, won: string): Promise<void> {
  delete ctx.progress.endpoint;
  await endAsChallenger(ctx, {
    message: `v${ctx.version} ${won}, but ${whatOvertook(servingVersion)}`,
    actor: 'promotion',
    outcome: 'challenger',
    serving: servingVersion === null ? 'nothing serves' : `v${servingVersion} serves`,
  });
}

async function reject(ctx: PromotionContext, message: string, actor: string): Promise<void> {
  await endAsChallenger(ctx, { message, actor, outcome: 'rejected', serving: 'not promoted' });
}

/** The run's version ends as `challenger` (alias moved, outcome searchable); promote and serve end skipped. */
async function endAsChallenger(
  ctx: PromotionContext,
  end: { message: string; actor: string; outcome: 'challenger' | 'rejected'; serving: string },
): Promise<void> {
  const { input, progress, step, version } = ctx;
  await records.moveAlias({
    eventId: `${input.runId}/challenger`,
    modelName: progress.modelName,
    alias: 'challenger',
    version,
    actor: end.actor,
    runId: input.runId,
    reason: end.message,
  });
  progress.promotion = end.outcome;
  upsertSearchAttributes([{ key: KilnPromotion, value: end.outcome }]);
  finish(step('promote'), 'skipped', end.message);
  finish(step('serve'), 'skipped', end.serving);
}
