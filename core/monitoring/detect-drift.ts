import type { CellValue } from './cell-values.js';
import { type DriftThresholds, type FeatureDrift, featureDrift } from './feature-drift.js';
import type { DatasetProfile } from './feature-profile.js';

/** Logged values over one monitoring window: each feature's inputs by name, and the model's predictions. */
export interface DriftWindow {
  features: Readonly<Record<string, readonly CellValue[]>>;
  predictions?: readonly CellValue[];
}

export interface DriftReport {
  /** True when a feature or the predictions drifted. */
  drifted: boolean;
  /** One entry per feature of the reference, in its order; a feature the window lacks has no values. */
  features: FeatureDrift[];
  drifted_features: string[];
  /** The predictions against the reference's target; absent without predictions or a target profile. */
  predictions?: FeatureDrift;
  /** Window features the reference does not know: not compared, listed so a schema change shows. */
  unknown_features: string[];
}

/**
 * Compares a window of logged inputs and predictions with the profile of the data the model
 * was trained on: PSI on the reference's bins, and KS (numeric) or chi-square (categorical).
 * Pure: a workflow or an activity may call it.
 */
export function detectDrift(reference: DatasetProfile, window: DriftWindow, thresholds: DriftThresholds): DriftReport {
  const features = reference.features.map((profile) => featureDrift(profile, valuesOf(window.features, profile.name), thresholds));
  const predictions = reference.target && window.predictions ? featureDrift(reference.target, window.predictions, thresholds) : undefined;
  const known = new Set(reference.features.map((profile) => profile.name));
  const driftedFeatures = features.filter((f) => f.drifted).map((f) => f.feature);
  return {
    drifted: driftedFeatures.length > 0 || predictions?.drifted === true,
    features,
    drifted_features: driftedFeatures,
    ...(predictions ? { predictions } : {}),
    unknown_features: Object.keys(window.features).filter((name) => !known.has(name)),
  };
}

// An own property only: a feature named "constructor" must not find Object.prototype's.
function valuesOf(features: DriftWindow['features'], name: string): readonly CellValue[] {
  return Object.hasOwn(features, name) ? (features[name] as readonly CellValue[]) : [];
}
