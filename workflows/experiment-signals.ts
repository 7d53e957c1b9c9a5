import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ExperimentView } from './experiment-state.js';
import type { TrialCurveReport } from '../core/hpo/trial-curve.js';

/** The experiment workflow's messages, apart from its code so the API can import them cheaply. */
export const experimentQuery = defineQuery<ExperimentView>('experiment');
export const stopExperimentSignal = defineSignal('stop');
/** Raises max_trial_count of a running experiment; answers the new state. */
export const extendExperimentUpdate = defineUpdate<ExperimentView, [{ maxTrialCount: number }]>('extend');
/** A trial's stage sends new values of the objective (activities/trial-curve-reporter.ts): early stopping acts on them. */
export const trialCurveSignal = defineSignal<[TrialCurveReport]>('trialCurve');
