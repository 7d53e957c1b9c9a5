import type { StageInput } from './stages.js';

/**
 * The name a stage attempt is recorded and stored under: its stage, or `step` when the same
 * stage runs a second time in one run (the champion's evaluation on the challenger's split).
 */
export function stepOf(input: Pick<StageInput, 'stage' | 'step'>): string {
  return input.step ?? input.stage;
}
