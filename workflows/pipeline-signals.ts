import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RunProgress } from '../core/pipeline/run-progress.js';
import type { StageName } from '../core/pipeline/stage-names.js';

/** The run's live progress (every step's state), as the CLI, API and Web UI show it. */
export const progressQuery = defineQuery<RunProgress>('progress');

/** From runStage: the stage is waiting to be placed ("waiting for GPU: …") or has started after waiting. */
export interface StageStateSignal {
  stage: StageName;
  status: 'waiting' | 'running';
  message?: string;
}

export const stageStateSignal = defineSignal<[StageStateSignal]>('stageState');

/** A person's decision on a challenger waiting for approval (promotion mode `manual`). */
export interface PromotionDecision {
  approve: boolean;
  /** Who decided (recorded in the run and the alias history). */
  by: string;
  reason?: string;
}

export interface PromotionDecisionResult {
  runId: string;
  version: number;
  approve: boolean;
}

/** Rejected by its validator unless the run is waiting for approval. */
export const promotionDecisionUpdate = defineUpdate<PromotionDecisionResult, [PromotionDecision]>('promotionDecision');
