import { z } from 'zod';
import { MetricPoint } from '../runner/metric-line.js';

/*
 * A workspace's metrics file: kiln_sdk's `log_metric` in a notebook appends each point to it as
 * one JSON line (sdk/python/kiln_sdk/metrics.py), and the workspace workflow's looks read the
 * lines it has not stored yet into the metadata store.
 */

/** Where the file is, relative to the workspace's files (JupyterLab's root). Must match kiln_sdk.metrics. */
export const WORKSPACE_METRICS_PATH = '.kiln/metrics.jsonl';

/** One line of the file: the metric line's point plus when it was logged (epoch ms). */
export const NotebookMetricLine = z.object({ ...MetricPoint.shape, time: z.number().int().min(0) }).strict();
export type NotebookMetricLine = z.infer<typeof NotebookMetricLine>;

/** A point read from the file, with the byte offset of its line (what makes it unique in the file). */
export interface NotebookMetric extends NotebookMetricLine {
  offset: number;
}

export interface MetricLines {
  points: NotebookMetric[];
  /** Lines that are not a valid point (skipped, counted). */
  invalid: number;
  /** The offset after the last complete line read: where the next read starts. */
  nextOffset: number;
}

/**
 * Parses the complete lines of `bytes`, which start at `offset` in the file. A last line
 * without its newline is being written: it is left for the next read. A chunk of `maxLine`
 * bytes or more without any newline cannot be a line the SDK wrote: it is skipped as invalid,
 * so the reader never stalls on it.
 */
export function parseMetricLines(bytes: Buffer, offset: number, maxLine = 64 * 1024): MetricLines {
  const points: NotebookMetric[] = [];
  let invalid = 0;
  let start = 0;
  for (let end = bytes.indexOf(0x0a, start); end !== -1; end = bytes.indexOf(0x0a, start)) {
    const line = bytes.subarray(start, end);
    if (line.length > 0) {
      const point = parsePoint(line);
      if (point) points.push({ ...point, offset: offset + start });
      else invalid += 1;
    }
    start = end + 1;
  }
  if (start === 0 && bytes.length >= maxLine) return { points, invalid: invalid + 1, nextOffset: offset + bytes.length };
  return { points, invalid, nextOffset: offset + start };
}

function parsePoint(line: Buffer): NotebookMetricLine | undefined {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(line));
  } catch {
    return undefined;
  }
  const parsed = NotebookMetricLine.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
