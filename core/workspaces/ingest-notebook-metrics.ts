import type { MetricsFilePosition, WorkspaceMetricsRepository } from '../metadata/workspace-metrics-repository.js';
import { parseMetricLines } from './notebook-metrics.js';
import type { WorkspaceHosting } from './workspace-hosting.js';

export interface IngestOptions {
  /** Bytes read at a time. Default 1 MiB. */
  readBytes?: number;
  /** Reads per call at most; a longer file is finished by the next look. Default 8. */
  maxReads?: number;
}

export interface IngestResult {
  /** Points stored by this call. */
  stored: number;
  /** Lines this call skipped as invalid. */
  invalid: number;
}

/**
 * Stores the lines of a workspace's metrics file that are not stored yet. Safe to retry and to
 * run twice at once: each read is stored with its end position in one transaction that first
 * checks the start position (WorkspaceMetricsRepository.store). Invalid lines are skipped and
 * counted; a last line still being written is left for the next call.
 */
export async function ingestNotebookMetrics(
  hosting: Pick<WorkspaceHosting, 'readMetricsFile'>,
  metrics: WorkspaceMetricsRepository,
  name: string,
  options: IngestOptions = {},
): Promise<IngestResult> {
  const readBytes = options.readBytes ?? 1024 * 1024;
  const result: IngestResult = { stored: 0, invalid: 0 };
  for (let reads = 0; reads < (options.maxReads ?? 8); reads++) {
    const state = await metrics.readState(name);
    const from: MetricsFilePosition = { generation: state.generation, offset: state.offset };
    let at = from;
    let chunk = await hosting.readMetricsFile(name, at.offset, readBytes);
    if (!chunk) break;
    if (chunk.size < at.offset) {
      // Shorter than what was stored: deleted and written anew in the notebook. Read the new file from its start.
      at = { generation: from.generation + 1, offset: 0 };
      chunk = await hosting.readMetricsFile(name, 0, readBytes);
      if (!chunk) break;
    }
    const lines = parseMetricLines(chunk.bytes, at.offset, Math.min(readBytes, 64 * 1024));
    const next = { generation: at.generation, offset: lines.nextOffset };
    if (next.generation === from.generation && next.offset === from.offset) break;
    if (!(await metrics.store(name, from, { points: lines.points, invalid: lines.invalid, next }))) break;
    result.stored += lines.points.length;
    result.invalid += lines.invalid;
    if (chunk.bytes.length < readBytes) break;
  }
  return result;
}
