import { z } from 'zod';
import { profileColumn } from './column-profile.js';
import { parseCsv } from './csv.js';

/** What one column of a dataset version looked like: the reference drift in live inputs is measured against. */
export const FeatureProfile = z.object({
  name: z.string(),
  /** Numeric when every present value is a finite number and they take more than 10 values; categorical otherwise. */
  kind: z.enum(['numeric', 'categorical']),
  /** Values present. */
  count: z.number().int().nonnegative(),
  /** Empty cells and NA markers (`NA`, `N/A`, `NaN`, `null`, `None`, `<NA>`, `#N/A`, `?`; any case). */
  missing: z.number().int().nonnegative(),
  /** Null for a categorical column. */
  min: z.number().nullable(),
  max: z.number().nullable(),
  mean: z.number().nullable(),
  /** Sample standard deviation (n − 1). */
  std: z.number().nullable(),
  /**
   * Edges of up to 10 equal-frequency bins: the minimum, the distinct 10th to 90th percentiles
   * below the maximum, the maximum. Empty for a categorical column.
   */
  bin_edges: z.array(z.number()),
  /**
   * Share of the present values in each bin (one fewer than the edges), closed on the right;
   * the first and last bins reach to -∞ and +∞, so any live value falls in one.
   */
  bin_proportions: z.array(z.number()),
  /** Up to 1,000 of the values, drawn with the version's seed, ascending. Empty for a categorical column. */
  sample: z.array(z.number()),
  /** Share of each value (numbers as JavaScript prints them): the 50 commonest, the rest as `__other__`. Null for a numeric column. */
  categories: z.record(z.string(), z.number()).nullable(),
});
export type FeatureProfile = z.infer<typeof FeatureProfile>;

/** The feature profile of a dataset version's train split, the data its models were fitted on. */
export const DatasetProfile = z.object({
  dataset: z.string(),
  version: z.string(),
  /** Rows profiled (the train split's). */
  rows: z.number().int().nonnegative(),
  /** Every column but the target, in header order. */
  features: z.array(FeatureProfile),
  /** The target column, profiled like a feature: the distribution predictions are compared with. */
  target: FeatureProfile.optional(),
});
export type DatasetProfile = z.infer<typeof DatasetProfile>;

export interface DatasetProfileInput {
  dataset: string;
  version: string;
  /** The rows to profile: CSV text with a header row. */
  csv: string;
  targetColumn: string;
  /** Draws the samples: the version's split seed, so a version always gets the same profile. */
  seed: number;
}

/** Profiles every column of `csv`, the target apart. Deterministic: the same input gives the same profile. */
export function computeDatasetProfile(input: DatasetProfileInput): DatasetProfile {
  const [header, ...rows] = parseCsv(input.csv);
  const columns = header?.fields ?? [];
  const profiles = columns.map((name, i) =>
    profileColumn(
      name,
      rows.map((row) => row.fields[i] ?? ''),
      input.seed,
    ),
  );
  const target = profiles.find((p) => p.name === input.targetColumn);
  return DatasetProfile.parse({
    dataset: input.dataset,
    version: input.version,
    rows: rows.length,
    features: profiles.filter((p) => p !== target),
    ...(target ? { target } : {}),
  });
}
