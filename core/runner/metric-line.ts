import { z } from 'zod';

/**
 * The one metric log format. User code prints, on stdout, lines of the form
 *   KILN_METRIC {"name":"loss","value":0.31,"step":120,"epoch":2}
 * (`step` and `epoch` optional). Everything else on stdout/stderr is plain log.
 */
export const METRIC_LINE_PREFIX = 'KILN_METRIC ';

export const MetricPoint = z
  .object({
    name: z.string().min(1).max(200),
    value: z.number().refine(Number.isFinite, 'must be a finite number'),
    step: z.number().int().min(0).optional(),
    epoch: z.number().int().min(0).optional(),
  })
  .strict();
export type MetricPoint = z.infer<typeof MetricPoint>;

export type MetricLineResult = { kind: 'log' } | { kind: 'metric'; metric: MetricPoint } | { kind: 'invalid'; reason: string };

/** Classifies one output line; a malformed metric line is reported, never thrown. */
export function parseMetricLine(line: string): MetricLineResult {
  if (!line.startsWith(METRIC_LINE_PREFIX)) return { kind: 'log' };
  let json: unknown;
  try {
    json = JSON.parse(line.slice(METRIC_LINE_PREFIX.length));
  } catch {
    return { kind: 'invalid', reason: 'not valid JSON' };
  }
  const parsed = MetricPoint.safeParse(json);
  if (!parsed.success) {
    return { kind: 'invalid', reason: parsed.error.issues.map((i) => `${i.path.join('.') || 'line'}: ${i.message}`).join('; ') };
  }
  return { kind: 'metric', metric: parsed.data };
}

export function formatMetricLine(metric: MetricPoint): string {
  return METRIC_LINE_PREFIX + JSON.stringify(metric);
}
