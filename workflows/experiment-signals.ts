import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ExperimentView } from './experiment-state.js';

/** The experiment workflow's messages, apart from its code so the API can import them cheaply. */
export const experimentQuery = defineQuery<ExperimentView>('experiment');
export const stopExperimentSignal = defineSignal('stop');
/** Raises max_trial_count of a running experiment; answers the new state. */
export const extendExperimentUpdate = defineUpdate<ExperimentView, [{ maxTrialCount: number }]>('extend');
