import { defineSignal } from '@temporalio/workflow';

/** From runStage: the stage is waiting to be placed ("waiting for GPU: …") or has started after waiting. */
export interface StageStateSignal {
  stage: 'preprocess' | 'train' | 'evaluate';
  status: 'waiting' | 'running';
  message?: string;
}

export const stageStateSignal = defineSignal<[StageStateSignal]>('stageState');
