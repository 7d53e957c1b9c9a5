import { z } from 'zod';

/** Most bins and reference values a stored numeric profile may hold (profiles are read back from the store). */
export const MAX_PROFILE_BINS = 100;
export const MAX_PROFILE_SAMPLE = 10_000;

const Count = z.number().int().min(0);
const Share = z.number().min(0).max(1);

const common = {
  /** The column's name in the dataset. */
  name: z.string(),
  /** Values that are present; `missing` counts the empty and NA cells. */
  count: Count,
  missing: Count,
};

/**
 * A numeric column: summary statistics, equal-frequency bins for PSI and a seeded sample of
 * values for KS. `bin_edges` runs from the minimum to the maximum (one more edge than bins);
 * when a window is scored the first and last bins reach to −∞ and +∞.
 */
export const NumericFeatureProfile = z
  .object({
    ...common,
    kind: z.literal('numeric'),
    min: z.number(),
    max: z.number(),
    mean: z.number(),
    /** Sample standard deviation (n − 1). */
    std: z.number().min(0),
    bin_edges: z
      .array(z.number())
      .min(2)
      .max(MAX_PROFILE_BINS + 1),
    bin_proportions: z.array(Share).min(1).max(MAX_PROFILE_BINS),
    /** Up to a fixed number of the column's values, drawn with a seed, ascending. */
    sample: z.array(z.number()).max(MAX_PROFILE_SAMPLE),
  })
  .strict();
export type NumericFeatureProfile = z.output<typeof NumericFeatureProfile>;

/** A categorical column: the share of each of its most frequent categories, the rest under `__other__`. */
export const CategoricalFeatureProfile = z
  .object({
    ...common,
    kind: z.literal('categorical'),
    /** Distinct categories in the column, including those folded into `__other__`. */
    distinct: Count,
    frequencies: z.record(z.string(), Share),
  })
  .strict();
export type CategoricalFeatureProfile = z.output<typeof CategoricalFeatureProfile>;

export const FeatureProfile = z.discriminatedUnion('kind', [NumericFeatureProfile, CategoricalFeatureProfile]).superRefine((profile, ctx) => {
  if (profile.kind !== 'numeric') return;
  const { bin_edges: edges, bin_proportions: shares } = profile;
  if (shares.length !== edges.length - 1) {
    ctx.addIssue({ code: 'custom', path: ['bin_proportions'], message: `must have one share per bin (${edges.length - 1})` });
  }
  if (edges.some((edge, i) => i > 0 && edge < (edges[i - 1] as number))) {
    ctx.addIssue({ code: 'custom', path: ['bin_edges'], message: 'must be in ascending order' });
  }
});
export type FeatureProfile = z.output<typeof FeatureProfile>;

/** The reference a model is monitored against: a profile of each feature of the dataset version it was trained on. */
export const DatasetProfile = z
  .object({
    dataset: z.string(),
    version: z.string(),
    rows: Count,
    features: z.array(FeatureProfile),
    /** The target column, the reference for the distribution of predictions. */
    target: FeatureProfile.optional(),
  })
  .strict();
export type DatasetProfile = z.output<typeof DatasetProfile>;
