import { z } from 'zod';
import type { MetricsReadState, WorkspaceMetricRecord } from '../core/metadata/workspace-metrics-repository.js';
import { MetricPoint } from '../core/runner/metric-line.js';

/** `GET /v1/workspaces/{name}/metrics` filter: one metric name (default all). */
export const WorkspaceMetricsQuery = z.object({ name: MetricPoint.shape.name.optional() }).strict();
export type WorkspaceMetricsQuery = z.infer<typeof WorkspaceMetricsQuery>;

const LoggedPoint = z.object({
  name: z.string(),
  value: z.number(),
  step: z.number().int().nullable(),
  epoch: z.number().int().nullable(),
  logged_at: z.iso.datetime(),
});

/** What notebooks in a workspace logged: each metric's latest value, and every point in the order logged. */
export const WorkspaceMetricsView = z
  .object({
    workspace: z.string(),
    /** Lines of the metrics file skipped as invalid (all names). */
    invalid_lines: z.number().int().min(0),
    /** Per name: how many points, and the last one logged. */
    metrics: z.array(z.object({ name: z.string(), count: z.number().int().min(1), last: LoggedPoint.omit({ name: true }) })),
    points: z.array(LoggedPoint),
  })
  .strict();
export type WorkspaceMetricsView = z.infer<typeof WorkspaceMetricsView>;

/** The answer, checked against its schema: a row that does not fit is a bug, not something to send. */
export function workspaceMetricsView(workspace: string, state: MetricsReadState, records: readonly WorkspaceMetricRecord[]): WorkspaceMetricsView {
  const points = records.map((r) => ({ name: r.name, value: r.value, step: r.step, epoch: r.epoch, logged_at: new Date(r.loggedAt).toISOString() }));
  // Through a Map: metric names are user input (`__proto__` included).
  const byName = new Map<string, { count: number; last: (typeof points)[number] }>();
  for (const point of points) byName.set(point.name, { count: (byName.get(point.name)?.count ?? 0) + 1, last: point });
  const metrics = [...byName]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, { count, last }]) => ({ name, count, last: { value: last.value, step: last.step, epoch: last.epoch, logged_at: last.logged_at } }));
  return WorkspaceMetricsView.parse({ workspace, invalid_lines: state.invalidLines, metrics, points });
}
