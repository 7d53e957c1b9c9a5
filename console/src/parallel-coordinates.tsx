import type { TrialRecord } from './api.js';
import { number } from './format.js';

/** An axis of the plot: where a value sits on it (0 bottom … 1 top), or undefined when it has none. */
interface Axis {
  label: string;
  position(value: number | string | undefined): number | undefined;
  ticks: { at: number; text: string }[];
}

const WIDTH = 900;
const HEIGHT = 300;
const PAD = { top: 28, bottom: 36, left: 60, right: 60 };

/** A numeric axis, on a log scale when the values are positive and span two decades or more. */
function numericAxis(label: string, values: number[]): Axis {
  const low = Math.min(...values);
  const high = Math.max(...values);
  const log = low > 0 && high / low >= 100;
  const f = (v: number) => (log ? Math.log10(v) : v);
  const span = f(high) - f(low);
  const position = (value: number | string | undefined) => (typeof value === 'number' ? (span === 0 ? 0.5 : (f(value) - f(low)) / span) : undefined);
  const ticks = (span === 0 ? [low] : [low, log ? 10 ** ((f(low) + f(high)) / 2) : (low + high) / 2, high]).map((v) => ({ at: position(v)!, text: number(v) }));
  return { label: log ? `${label} (log)` : label, position, ticks };
}

/** A categorical axis: its values evenly spaced, in the order they first appear. */
function categoricalAxis(label: string, values: string[]): Axis {
  const categories = [...new Set(values)].sort();
  const position = (value: number | string | undefined) => {
    const i = categories.indexOf(String(value));
    return i === -1 ? undefined : categories.length === 1 ? 0.5 : i / (categories.length - 1);
  };
  return { label, position, ticks: categories.map((c) => ({ at: position(c)!, text: c })) };
}

function axisFor(label: string, values: (number | string | undefined)[]): Axis {
  const present = values.filter((v) => v !== undefined);
  if (present.length === 0) return { label, position: () => undefined, ticks: [] };
  return present.every((v) => typeof v === 'number') ? numericAxis(label, present) : categoricalAxis(label, present.map(String));
}

/**
 * Params against the objective, one line per trial (SVG: uPlot draws no parallel coordinates).
 * A trial without an objective (failed, still running) ends its line at the last param axis.
 */
export function ParallelCoordinates({ trials, metric, best }: { trials: TrialRecord[]; metric: string; best?: number }) {
  const params = [...new Set(trials.flatMap((t) => Object.keys(t.assignment)))].sort();
  const axes = [
    ...params.map((p) =>
      axisFor(
        p,
        trials.map((t) => t.assignment[p]),
      ),
    ),
    axisFor(
      metric,
      trials.map((t) => t.objective),
    ),
  ];
  const x = (i: number) => PAD.left + (axes.length === 1 ? 0 : (i * (WIDTH - PAD.left - PAD.right)) / (axes.length - 1));
  const y = (at: number) => PAD.top + (1 - at) * (HEIGHT - PAD.top - PAD.bottom);
  const line = (trial: TrialRecord) => {
    const values = [...params.map((p) => trial.assignment[p]), trial.objective];
    const points = values.flatMap((v, i) => {
      const at = axes[i]!.position(v);
      return at === undefined ? [] : [`${x(i).toFixed(1)},${y(at).toFixed(1)}`];
    });
    return points.length > 1 ? `M${points.join('L')}` : undefined;
  };
  return (
    <figure class="chart parallel">
      <figcaption>
        <strong>Params against {metric}</strong>
        <span class="muted"> · one line per trial: </span>
        <span class="legend succeeded">succeeded</span> <span class="legend early_stopped">early stopped</span> <span class="legend failed">failed</span>{' '}
        <span class="legend best">best</span>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`Parallel coordinates of ${params.join(', ')} against ${metric}, ${trials.length} trials`}>
        {axes.map((axis, i) => (
          <g key={axis.label} class="axis">
            <line x1={x(i)} x2={x(i)} y1={y(0)} y2={y(1)} />
            <text x={x(i)} y={HEIGHT - 10} text-anchor="middle">
              {axis.label}
            </text>
            {axis.ticks.map((tick) => (
              <text key={tick.text} x={x(i) - 6} y={y(tick.at) + 4} text-anchor="end" class="tick">
                {tick.text}
              </text>
            ))}
          </g>
        ))}
        {/* The best trial drawn last: on top of the others. */}
        {[...trials]
          .sort((a, b) => Number(a.index === best) - Number(b.index === best))
          .map((trial) => {
            const d = line(trial);
            return (
              d && (
                <path key={trial.index} d={d} data-trial={trial.index} class={`trial ${trial.status}${trial.index === best ? ' best' : ''}`}>
                  <title>{`trial ${trial.index} (${trial.status.replace('_', ' ')}): ${metric} ${trial.objective === undefined ? '–' : number(trial.objective)}`}</title>
                </path>
              )
            );
          })}
      </svg>
    </figure>
  );
}
