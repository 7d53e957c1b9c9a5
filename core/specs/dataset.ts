import { z } from 'zod';
import { DurationString } from './duration.js';
import { LIMITS, PathString } from './limits.js';
import { ResourceName } from './names.js';

/**
 * A dataset: a CSV file whose versions are content-addressed. Each version stores a
 * deterministic, seeded train/test split (stratified on the target column by default).
 */
export const DatasetSpec = z
  .object({
    name: ResourceName,
    description: z.string().max(LIMITS.text).optional(),
    /**
     * CSV file with a header row: a path on the server (relative paths resolve against the
     * caller's directory) or `s3://bucket/key`, read with the S3 artifact store's credentials.
     * A server path must lie inside the data roots (core/inputs/input-path.ts).
     */
    path: PathString,
    /** Column the model predicts; also the stratification key. */
    target_column: z.string().min(1).max(LIMITS.columnName),
    split: z
      .object({
        test_fraction: z.number().gt(0).lt(1).default(0.2),
        seed: z.number().int().min(0).max(LIMITS.seed).default(0),
        stratify: z.boolean().default(true),
      })
      .strict()
      .default({ test_fraction: 0.2, seed: 0, stratify: true }),
    /** Look for new content this often; each change becomes a version and starts projects with `trigger.on_new_data`. */
    watch: z
      .object({ every: DurationString({ min: 10_000 }) })
      .strict()
      .optional(),
  })
  .strict();
export type DatasetSpecInput = z.input<typeof DatasetSpec>;
export type DatasetSpec = z.output<typeof DatasetSpec>;
