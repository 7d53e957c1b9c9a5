import { useState } from 'preact/hooks';
import type { TrialRecord } from './api.js';
import { duration, number } from './format.js';

type Key = 'index' | 'status' | 'objective' | 'duration' | `param:${string}`;

const cell = (trial: TrialRecord, key: Key): number | string | undefined => {
  if (key === 'index') return trial.index;
  if (key === 'status') return trial.status;
  if (key === 'objective') return trial.objective;
  if (key === 'duration') return trial.finishedAt ? Date.parse(trial.finishedAt) - Date.parse(trial.startedAt) : undefined;
  return trial.assignment[key.slice('param:'.length)];
};

/** Missing values last, whichever the direction. */
function compare(a: number | string | undefined, b: number | string | undefined, direction: 1 | -1): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  return (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b))) * direction;
}

/** Every trial: its params, status and objective; each column sorts on a click (again: the other way). */
export function TrialsTable({ trials, metric, best }: { trials: TrialRecord[]; metric: string; best?: number }) {
  const [sort, setSort] = useState<{ key: Key; direction: 1 | -1 }>({ key: 'index', direction: 1 });
  const params = [...new Set(trials.flatMap((t) => Object.keys(t.assignment)))].sort();
  const rows = [...trials].sort((a, b) => compare(cell(a, sort.key), cell(b, sort.key), sort.direction) || a.index - b.index);
  const header = (key: Key, label: string) => (
    <th scope="col" aria-sort={sort.key === key ? (sort.direction === 1 ? 'ascending' : 'descending') : undefined}>
      <button type="button" class="sort" onClick={() => setSort({ key, direction: sort.key === key ? (-sort.direction as 1 | -1) : 1 })}>
        {label}
        <span aria-hidden="true">{sort.key === key ? (sort.direction === 1 ? ' ▲' : ' ▼') : ''}</span>
      </button>
    </th>
  );
  return (
    <table class="trials">
      <caption class="muted">{`${trials.length} trials · sort by a column`}</caption>
      <thead>
        <tr>
          {header('index', 'Trial')}
          {header('status', 'Status')}
          {params.map((p) => header(`param:${p}`, p))}
          {header('objective', metric)}
          {header('duration', 'Duration')}
          <th scope="col">Run</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((trial) => (
          <tr key={trial.index} data-trial={trial.index} data-status={trial.status} class={trial.index === best ? 'best' : undefined}>
            <td>
              {trial.index}
              {trial.index === best && <span class="badge"> best</span>}
            </td>
            <td>
              <span class={`status ${trial.status}`}>{trial.status.replace('_', ' ')}</span>
              {trial.reason && <div class="muted small">{trial.reason}</div>}
            </td>
            {params.map((p) => {
              const v = trial.assignment[p];
              return <td key={p}>{typeof v === 'number' ? number(v) : (v ?? '–')}</td>;
            })}
            <td>{trial.objective === undefined ? '–' : number(trial.objective)}</td>
            <td>{duration(cell(trial, 'duration') as number | undefined)}</td>
            <td>
              <a href={`#/runs/${encodeURIComponent(trial.runId)}`}>{trial.runId}</a>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
