import { z } from 'zod';
import { profileColumn } from './column-profile.js';
import { parseCsv } from './csv.js';

/** What one column of a dataset version looked like: the reference drift in live inputs is measured against. */
export const FeatureProfile = z.object({
  name: z.string(),
  /** Numeric when every present value is a finite number; categorical otherwise. */
  kind: z.enum(['numeric', 'categorical']),
  /** Values present. */
  count: z.number().int().nonnegative(),
  /** Empty cells and NA markers (`NA`, `N/A`, `NaN`, `null`, `None`, any case). */
  missing: z.number().int().nonnegative(),
  /** Null for a categorical column, or one with no value present. */
  min: z.number().nullable(),
  max: z.number().nullable(),
  mean: z.number().nullable(),
  /** Population standard deviation. */
  std: z.number().nullable(),
  /** Cut points of 10 quantile bins: the 10th to 90th percentiles, equal ones merged. Empty for a categorical column. */
  bin_edges: z.array(z.number()),
  /**
   * Share of the present values in each of the `bin_edges.length + 1` bins (-∞, e0], (e0, e1],
   * …, (e_last, +∞), so a live value outside the reference range still falls in a bin.
   */
  bin_proportions: z.array(z.number()),
  /** Up to 1,000 present values drawn with the version's seed, in row order: numbers for a numeric column. */
  sample: z.union([z.array(z.number()), z.array(z.string())]),
  /**
   * Share of each present value: the 50 commonest, the rest summed as `__other__`. Null for a
   * numeric column unless its values repeat (at most 50 distinct, each seen twice on average).
   */
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
