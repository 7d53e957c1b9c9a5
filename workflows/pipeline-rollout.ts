import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { executeChild, ParentClosePolicy } from '@temporalio/workflow';
import { rolloutWorkflowId } from '../core/pipeline/workflow-ids.js';
import type { RolloutSpec } from '../core/specs/rollout.js';
import { KilnKind, KilnModel } from '../core/temporal/search-attributes.js';
import { begin, finish } from './pipeline-progress.js';
import type { PromotionContext } from './pipeline-promotion.js';
import { bookkeeping } from './pipeline-proxies.js';
import { rolloutWorkflow, type RolloutInput } from './rollout.js';

/** Projects whose `rollout` is shadow or canary roll a promoted version out gradually from this patch on. */
export const ROLLOUT_ON_PROMOTION_PATCH = 'kiln-pipeline-rollout-on-promotion';

export type GradualRollout = Extract<RolloutSpec, { strategy: 'shadow' | 'canary' }>;

/** What a gradual rollout made of the run's version. */
export type RolloutResult =
  /** No other version serves: there is nothing to roll out beside, so the version is served as usual. */
  | { kind: 'nothing-serving' }
  /** The canary passed: the rollout served the version alone and made it champion. */
  | { kind: 'promoted'; reason: string; endpoint?: string }
  /** Served, then overtaken by a promotion of the model that served after it: that version serves and stays champion (null: none serves). */
  | { kind: 'overtaken'; servingVersion: number | null }
  /** Rolled back, a shadow that ended, or another rollout of the model under way: the serving version stays champion. */
  | { kind: 'kept'; servingVersion: number; reason: string };

/**
 * The run's version, which won promotion, goes out through the model's rollout workflow (a child
 * of this run, `rollout-<model>`, with its own steps in the Web UI) instead of a hot swap: a
 * canary takes its share of traffic and is promoted or rolled back by its numbers; a shadow is
 * compared and ends, the serving version staying champion. Cancelling the run cancels the
 * rollout, which rolls back.
 */
export async function rollOutGradually(ctx: PromotionContext, spec: GradualRollout, actor: string): Promise<RolloutResult> {
  const { progress, version, input } = ctx;
  const model = progress.modelName;
  const plan = await bookkeeping.planRollout.executeWithOptions({ startToCloseTimeout: '1 minute', summary: `which version of ${model} serves?` }, [
    { modelName: model, duration: spec.duration },
  ]);
  const serving = plan.servingVersion;
  if (serving === null || serving === version) return { kind: 'nothing-serving' };

  const what = spec.strategy === 'canary' ? `canary (${spec.percent}% of traffic)` : 'shadow (a copy of all traffic)';
  const step = ctx.step('serve');
  begin(step, 'running', `${what} of v${version} beside v${serving} for ${spec.duration}: kiln model rollout-status ${model}`);
  ctx.publish();
  const rollout: RolloutInput = {
    modelName: model,
    championVersion: serving,
    challengerVersion: version,
    rollout: spec,
    observeMs: plan.observeMs,
    actor,
    runId: input.runId,
  };
  try {
    const state = await executeChild(rolloutWorkflow, {
      workflowId: rolloutWorkflowId(model),
      args: [rollout],
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      staticSummary: `${spec.strategy} rollout of ${model} v${version} beside v${serving} (run ${input.runId})`,
      typedSearchAttributes: [
        { key: KilnModel, value: model },
        { key: KilnKind, value: 'rollout' },
      ],
    });
    const reason = state.reason ?? state.outcome ?? 'no reason given';
    if (state.outcome === 'promoted') {
      finish(step, 'succeeded', `${spec.strategy} passed, v${version} serves alone${state.endpoint ? ` at ${state.endpoint}` : ''}: ${reason}`);
      return { kind: 'promoted', reason, ...(state.endpoint ? { endpoint: state.endpoint } : {}) };
    }
    if (state.overtakenBy !== undefined) return { kind: 'overtaken', servingVersion: state.overtakenBy };
    const said = state.outcome === 'rolled_back' ? `rolled back: ${reason}` : `shadow ended, not promoted: ${reason}`;
    return { kind: 'kept', servingVersion: serving, reason: said };
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    return { kind: 'kept', servingVersion: serving, reason: `a rollout of ${model} is already running; v${version} not rolled out` };
  }
}
