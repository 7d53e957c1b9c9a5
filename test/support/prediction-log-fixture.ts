import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hourStamp } from '../../core/monitoring/prediction-log/prediction-keys.js';

/** A prediction id as the model server makes them (`<version>-<ms hex>-<16 hex>`), numbered. */
export const predictionIdAt = (version: number, ms: number, n: number) => `${version}-${ms.toString(16)}-${n.toString(16).padStart(16, '0')}`;

/**
 * Writes a closed segment as the model server's log writer does (sdk/python/kiln_sdk/prediction_log.py):
 * `<spool>/<hour>/<name>`, one JSON line per prediction made at `ms`, inputs `[first + i]`,
 * predictions from `predictionOf` (default: alternating 0 and 1). Returns the ids.
 */
export function writeSpoolSegment(
  dir: string,
  ms: number,
  name: string,
  count: number,
  { version = 1, first = 0, predictionOf = (i: number) => i % 2 }: { version?: number; first?: number; predictionOf?: (i: number) => unknown } = {},
): string[] {
  const folder = join(dir, hourStamp(ms));
  mkdirSync(folder, { recursive: true });
  const ids = Array.from({ length: count }, (_, i) => predictionIdAt(version, ms, first + i));
  const lines = ids.map((id, i) => `${JSON.stringify({ id, ts: ms / 1000, input: [first + i], prediction: predictionOf(first + i) })}\n`);
  writeFileSync(join(folder, name), lines.join(''));
  return ids;
}
