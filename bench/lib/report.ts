export interface Summary {
  median: number;
  min: number;
  max: number;
}

export function summarize(values: number[]): Summary {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return { median: NaN, min: NaN, max: NaN };
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}

export type Unit = 's' | 'ms' | 'x';

function format(v: number, unit: Unit): string {
  if (!Number.isFinite(v)) return 'n/a';
  if (unit === 's') return (v / 1000).toFixed(2);
  if (unit === 'ms') return v.toFixed(0);
  return v.toFixed(2);
}

/** `3.41 s [3.38–3.50]` (values in ms; shown in `unit`). */
export function show(s: Summary, unit: Unit): string {
  const suffix = unit === 'x' ? '' : ` ${unit}`;
  const range = s.min === s.max ? '' : ` [${format(s.min, unit)}–${format(s.max, unit)}]`;
  return `${format(s.median, unit)}${suffix}${range}`;
}

export interface Row {
  metric: string;
  value: string;
  target?: string;
  verdict?: 'PASS' | 'MISS';
}

export function verdict(value: number, limit: number): 'PASS' | 'MISS' {
  return value <= limit ? 'PASS' : 'MISS';
}

export function table(rows: Row[], header: [string, string, string] = ['metric', 'value', 'target']): string {
  const w0 = Math.max(header[0].length, ...rows.map((r) => r.metric.length)) + 2;
  const w1 = Math.max(header[1].length, ...rows.map((r) => r.value.length)) + 2;
  const w2 = Math.max(header[2].length, ...rows.map((r) => (r.target ?? '').length)) + 2;
  const line = (a: string, b: string, c: string, d: string) => `${a.padEnd(w0)}${b.padEnd(w1)}${c.padEnd(w2)}${d}`.trimEnd();
  return [line(...header, ''), ...rows.map((r) => line(r.metric, r.value, r.target ?? '', r.verdict ?? ''))].join('\n');
}
