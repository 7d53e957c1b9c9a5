import type { RunHistory } from './history.js';
import type { Span } from './trace.js';

/** Where a run's wall time went, highest priority first: an instant counts once, for the first category busy then. */
export const CATEGORIES = [
  'stage processes',
  'executor (spawn, pipes, reaping)',
  'artifact store calls',
  'metadata DB calls',
  'runStage activity, rest',
  'other activities, rest',
  'workflow tasks',
  'HTTP submit (API + StartWorkflow)',
  'Temporal dispatch / idle',
] as const;
export type Category = (typeof CATEGORIES)[number];

interface Labelled {
  cat: number;
  name: string;
  start: number;
  end: number;
}

export interface Breakdown {
  byCategory: Map<Category, number>;
  /** `category: name` (span name or activity type) → exclusive ms. */
  byName: Map<string, number>;
}

/**
 * Splits [t0, end] exactly: each instant goes to the highest-priority category active then
 * (within it, to the innermost, i.e. latest-started, span), the rest to Temporal dispatch.
 */
export function attribute(window: { t0: number; submitted: number; end: number }, spans: Span[], history: RunHistory): Breakdown {
  const cat = (c: Category) => CATEGORIES.indexOf(c);
  const kindCat = {
    process: cat('stage processes'),
    executor: cat('executor (spawn, pipes, reaping)'),
    artifacts: cat('artifact store calls'),
    metadata: cat('metadata DB calls'),
  };
  const items: Labelled[] = [
    ...spans.map((s) => ({
      cat: kindCat[s.kind],
      name: s.kind === 'process' || s.kind === 'executor' ? (s.name.split('/')[1] ?? s.name) : s.name,
      start: s.start,
      end: s.end,
    })),
    ...history.activities.map((a) => ({
      cat: cat(a.type === 'runStage' ? 'runStage activity, rest' : 'other activities, rest'),
      name: a.type,
      start: a.start,
      end: a.end,
    })),
    ...history.workflowTasks.map((w) => ({ cat: cat('workflow tasks'), name: 'workflow task', start: w.start, end: w.end })),
    { cat: cat('HTTP submit (API + StartWorkflow)'), name: 'POST /v1/runs', start: window.t0, end: window.submitted },
    // Lowest priority: names the idle time by what Temporal was dispatching then.
    ...history.activities.map((a) => ({ cat: cat('Temporal dispatch / idle'), name: 'activity schedule → start', start: a.scheduled, end: a.start })),
    ...history.workflowTaskWaits.map((w) => ({ cat: cat('Temporal dispatch / idle'), name: 'workflow task schedule → start', start: w.start, end: w.end })),
  ]
    .map((i) => ({ ...i, start: Math.max(i.start, window.t0), end: Math.min(i.end, window.end) }))
    .filter((i) => i.end > i.start);

  const points = [...new Set([window.t0, window.end, ...items.flatMap((i) => [i.start, i.end])])].sort((a, b) => a - b);
  const byCategory = new Map<Category, number>(CATEGORIES.map((c) => [c, 0]));
  const byName = new Map<string, number>();
  const idle = cat('Temporal dispatch / idle');
  for (let k = 0; k + 1 < points.length; k++) {
    const a = points[k]!;
    const b = points[k + 1]!;
    const mid = (a + b) / 2;
    let best: Labelled | undefined;
    for (const i of items) {
      if (i.start > mid || i.end < mid) continue;
      if (!best || i.cat < best.cat || (i.cat === best.cat && i.start > best.start)) best = i;
    }
    const category = CATEGORIES[best?.cat ?? idle]!;
    byCategory.set(category, byCategory.get(category)! + (b - a));
    const key = `${category}: ${best?.name ?? 'waiting'}`;
    byName.set(key, (byName.get(key) ?? 0) + (b - a));
  }
  return { byCategory, byName };
}
