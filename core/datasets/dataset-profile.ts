import { DatasetProfile } from '../monitoring/feature-profile.js';
import { profileColumns } from '../monitoring/profile-columns.js';
import { parseCsv } from './csv.js';

// One schema for the concept: the profile drift is measured against (core/monitoring/feature-profile.ts).
export { DatasetProfile, FeatureProfile } from '../monitoring/feature-profile.js';

export interface DatasetProfileInput {
  dataset: string;
  version: string;
  /** The rows to profile: CSV text with a header row. */
  csv: string;
  targetColumn: string;
  /** Draws the samples: the version's split seed, so a version always gets the same profile. */
  seed: number;
}

/**
 * The profile of a dataset version's train split, the data its models were fitted on: every
 * column, the target apart, in header order. Deterministic: the same input gives the same profile.
 */
export function computeDatasetProfile(input: DatasetProfileInput): DatasetProfile {
  const [header, ...rows] = parseCsv(input.csv);
  const names = header?.fields ?? [];
  const columns = Object.fromEntries(names.map((name, i) => [name, rows.map((row) => row.fields[i] ?? '')]));
  const profile = profileColumns(columns, {
    dataset: input.dataset,
    version: input.version,
    seed: input.seed,
    ...(names.includes(input.targetColumn) ? { target: input.targetColumn } : {}),
  });
  // An object's integer-like keys come first whatever their place: put the features back in header order.
  const order = new Map(names.map((name, i) => [name, i]));
  return DatasetProfile.parse({ ...profile, features: [...profile.features].sort((a, b) => order.get(a.name)! - order.get(b.name)!) });
}
