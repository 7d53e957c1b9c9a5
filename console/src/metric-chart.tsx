import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { MetricPoint } from './api.js';
import { number } from './format.js';

/** One line of a chart: a metric of a stage, its points in step order. */
export interface Series {
  label: string;
  points: MetricPoint[];
  /** Points alone, unjoined (values that are not a curve, such as early-stopped trials' last values). */
  pointsOnly?: boolean;
}

const COLOURS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#bf3989'];

/** Several series on one x axis (step or epoch), optionally on a log y scale, drawn by uPlot. */
export function MetricChart({ title, series, x, log, xLabel = x }: { title: string; series: Series[]; x: 'step' | 'epoch'; log: boolean; xLabel?: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p[x] ?? p.step ?? 0)))].sort((a, b) => a - b);
    const columns = series.map((s) => {
      const byX = new Map(s.points.map((p) => [p[x] ?? p.step ?? 0, p.value]));
      // A log scale cannot draw zero or less: those points become gaps.
      return xs.map((v) => {
        const y = byX.get(v);
        return y === undefined || (log && y <= 0) ? null : y;
      });
    });
    const plot = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height: 220,
        scales: { x: { time: false }, y: log ? { distr: 3 } : {} },
        // A log scale leaves the ticks it does not label as null.
        axes: [{ label: xLabel }, { values: (_u, ticks) => ticks.map((t) => (t === null ? '' : number(t))) }],
        series: [
          { label: xLabel },
          ...series.map((s, i) => ({
            label: s.label,
            stroke: COLOURS[i % COLOURS.length]!,
            width: 2,
            // Series logged at different steps share one x axis: a curve runs on over the others' steps.
            spanGaps: true,
            points: { show: true, size: s.pointsOnly ? 8 : 5 },
            ...(s.pointsOnly ? { paths: () => null } : {}),
          })),
        ],
      },
      [xs, ...columns] as uPlot.AlignedData,
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height: 220 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [series, x, log, xLabel]);
  return (
    <figure class="chart" data-metric={title}>
      <figcaption>
        <strong>{title}</strong>
        {series.map((s) => (
          <span key={s.label} class="muted" data-series={s.label} data-points={s.points.length}>
            {' '}
            · {s.label}: {s.points.length} points
          </span>
        ))}
      </figcaption>
      <div ref={box} role="img" aria-label={`${title} by ${xLabel}${log ? ', log scale' : ''}`} />
    </figure>
  );
}

/** The y scale of the charts beside it: linear, or log (points at or below zero become gaps). */
export function LogScaleToggle({ checked, onChange }: { checked: boolean; onChange(log: boolean): void }) {
  return (
    <label>
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.currentTarget.checked)} /> Log scale
    </label>
  );
}
