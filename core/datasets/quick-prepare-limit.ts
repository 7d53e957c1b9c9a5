import { stat } from 'node:fs/promises';

/**
 * The largest dataset file a run freezes inside its first workflow task (a local activity):
 * hashed, split and stored in well under a second. Larger files take the durable prepareRun
 * activity, which heartbeats through minutes of streaming.
 */
export const QUICK_PREPARE_MAX_DATASET_BYTES = 16 * 1024 * 1024;

/** Why the dataset at `path` is not frozen quickly, or undefined when it may be. */
export async function datasetTooLargeToPrepareQuickly(path: string): Promise<string | undefined> {
  if (path.startsWith('s3://')) return `dataset ${path} is read from S3`;
  const info = await stat(path).catch(() => undefined);
  // A missing or unreadable file is reported by prepareRun, with its retries and error class.
  if (!info?.isFile()) return `dataset ${path} is not a readable file`;
  if (info.size > QUICK_PREPARE_MAX_DATASET_BYTES) return `dataset ${path} is ${(info.size / 2 ** 20).toFixed(0)} MiB`;
  return undefined;
}
