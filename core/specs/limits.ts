import { z } from 'zod';

/**
 * Caps on what specs and requests may hold, in one place (README "Input limits"). Each fits
 * the narrowest place the value ends up: MySQL columns (names are varchar(63), metric names
 * varchar(200)), Kubernetes label values (63 characters), Temporal summaries (400 bytes, see
 * core/pipeline/clamp-summary.ts) and what one machine can sensibly run.
 */
export const LIMITS = {
  /** Resource names: varchar(63) columns and Kubernetes label values (see names.ts). */
  name: 63,
  /** Free text: descriptions, notes, reasons. */
  text: 1000,
  /**
   * `dataset.path` and `project.source_dir`, in UTF-8 bytes after resolution: the snapshot
   * activity's Temporal summary names the source directory and must stay under 400 bytes.
   */
  pathBytes: 255,
  /** A CSV column name (`target_column`). */
  columnName: 200,
  /** Metric names: the metrics table's varchar(200). */
  metricName: 200,
  /** `file.py:Name`, which appears in each stage activity's summary. */
  entrypoint: 200,
  /** An OCI reference: name ≤ 255, tag ≤ 128, digest ≤ 135 (`sha512:` + 128 hex). */
  baseImage: 512,
  baseImageName: 255,
  /** Requirements per environment, and characters per requirement. */
  dependencies: 200,
  dependency: 200,
  /** Modules an environment preloads for warm stage starts (`warm_imports`), and characters per module name. */
  warmImports: 50,
  warmImport: 100,
  /** CPU cores (`cpu_limit`): Kubernetes' smallest unit is a millicore. */
  cpuCores: { min: 0.001, max: 256 },
  /** Memory in MiB (`memory_limit`): 16 MiB to 1 TiB. */
  memoryMiB: { min: 16, max: 1_048_576 },
  /** GPUs one stage asks for (`max_used_gpu`). */
  gpus: 16,
  /** Declared extras per project, characters per extra name and per string value. */
  extras: 64,
  extraName: 64,
  extraString: 256,
  /** Hyperparameters: `batch_size`, `epochs`; `seed` fits an unsigned 32-bit integer (numpy's bound). */
  batchSize: 1_000_000,
  epochs: 1_000_000,
  seed: 2 ** 32 - 1,
  /** Thresholds in a validation gate. */
  thresholds: 50,
  /** Trials one experiment may run (`max_trial_count`, also through `extend`). */
  trials: 10_000,
  /** Values of one categorical or discrete experiment parameter. */
  parameterValues: 1000,
  /** Rows one `GET /v1/runs` returns (`?limit=`). */
  listRows: 1000,
  /** Instances in one prediction request. */
  predictInstances: 10_000,
  /** A project's source directory, as snapshotted (caches and VCS data excluded). */
  sourceFiles: 10_000,
  sourceBytes: 200 * 1024 * 1024,
} as const;

const encoder = new TextEncoder();

/** Length of `text` in UTF-8 bytes. */
export function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

/** A string of at most `max` characters. */
export function cappedString(max: number) {
  return z.string().max(max, `must be at most ${max} characters`);
}

/** A path as a spec gives it: not empty, no NUL or line breaks, at most LIMITS.pathBytes bytes. */
export const PathString = z
  .string()
  .min(1)
  .regex(/^[^\x00-\x1f\x7f]*$/, 'must not contain control characters or line breaks')
  .refine((p) => utf8Bytes(p) <= LIMITS.pathBytes, `must be at most ${LIMITS.pathBytes} bytes`);
