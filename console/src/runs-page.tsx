import { useEffect, useState } from 'preact/hooks';
import { api, RUN_STATUSES, TRIGGERS, type Permissions, type RunRecord } from './api.js';
import { duration, when } from './format.js';
import { COMPARE_LIMIT } from './compare-page.js';
import { RunActions } from './run-actions.js';
import { usePolling } from './use-polling.js';

const PAGE_SIZE = 25;
/** What the API answers at most per list: the newest runs. */
const FETCH_LIMIT = 1000;
const PERIODS = { any: 0, '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 } as const;
type Period = keyof typeof PERIODS;
export const RENDERED_MARK = 'kiln:runs-rendered';

/** Runs, newest first: filtered by the API (project, status, trigger) and here (time), a page at a time. */
export function RunsPage({ permissions }: { permissions: Permissions }) {
  const [project, setProject] = useState('');
  const [status, setStatus] = useState('');
  const [trigger, setTrigger] = useState('');
  const [period, setPeriod] = useState<Period>('any');
  const [page, setPage] = useState(0);
  const [notice, setNotice] = useState<string>();
  const [selected, setSelected] = useState<string[]>([]);
  const toggle = (id: string) => setSelected((ids) => (ids.includes(id) ? ids.filter((i) => i !== id) : [...ids, id]));
  const comparable = selected.length >= COMPARE_LIMIT.min && selected.length <= COMPARE_LIMIT.max;
  const projects = usePolling(() => api<{ name: string }[]>('projects'), [], { intervalMs: 30_000 });
  const query = new URLSearchParams({ limit: String(FETCH_LIMIT) });
  if (project) query.set('project', project);
  if (status) query.set('status', status);
  if (trigger) query.set('trigger', trigger);
  const runs = usePolling(() => api<RunRecord[]>(`runs?${query}`), [query.toString()], { intervalMs: 3000 });
  // A mark in the browser's performance timeline (and its trace): when the first rows were on screen.
  useEffect(() => {
    if (runs.data && !performance.getEntriesByName(RENDERED_MARK).length) performance.mark(RENDERED_MARK);
  }, [runs.data]);
  const since = PERIODS[period] ? Date.now() - PERIODS[period] : 0;
  const shown = (runs.data ?? []).filter((r) => r.createdAt >= since);
  const pages = Math.max(1, Math.ceil(shown.length / PAGE_SIZE));
  const current = Math.min(page, pages - 1);
  const rows = shown.slice(current * PAGE_SIZE, (current + 1) * PAGE_SIZE);
  const filter = (set: (value: string) => void) => (value: string) => {
    set(value);
    setPage(0);
  };
  return (
    <section aria-labelledby="runs-title">
      <h1 id="runs-title">Runs</h1>
      <form class="filters" aria-label="Filter runs" onSubmit={(e) => e.preventDefault()}>
        <Choice label="Project" value={project} options={(projects.data ?? []).map((p) => p.name)} onChange={filter(setProject)} />
        <Choice label="Status" value={status} options={RUN_STATUSES} onChange={filter(setStatus)} />
        <Choice label="Trigger" value={trigger} options={TRIGGERS} onChange={filter(setTrigger)} />
        <label>
          Started
          <select value={period} onChange={(e) => filter((v) => setPeriod(v as Period))(e.currentTarget.value)}>
            {Object.keys(PERIODS).map((p) => (
              <option key={p} value={p}>
                {p === 'any' ? 'any time' : `last ${p}`}
              </option>
            ))}
          </select>
        </label>
      </form>
      {notice && (
        <p role="status" class="notice">
          {notice}
        </p>
      )}
      {runs.error && (
        <p role="alert" class="error">
          {runs.error.message}
        </p>
      )}
      <p class="compare-bar">
        <a
          class={`button${comparable ? '' : ' disabled'}`}
          href={comparable ? `#/compare/${selected.map(encodeURIComponent).join(',')}` : undefined}
          aria-disabled={comparable ? undefined : 'true'}
        >
          Compare selected ({selected.length})
        </a>{' '}
        <span class="muted">{`select ${COMPARE_LIMIT.min} to ${COMPARE_LIMIT.max} runs`}</span>
      </p>
      <table class="runs">
        <caption class="muted">{runs.data ? `${shown.length} runs` : 'Loading runs…'}</caption>
        <thead>
          <tr>
            <th scope="col">
              <span class="visually-hidden">Select</span>
            </th>
            <th scope="col">Run</th>
            <th scope="col">Project</th>
            <th scope="col">Status</th>
            <th scope="col">Trigger</th>
            <th scope="col">Started</th>
            <th scope="col">Duration</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((run) => (
            <tr key={run.id} data-run-id={run.id}>
              <td>
                <input type="checkbox" aria-label={`Select run ${run.id}`} checked={selected.includes(run.id)} onChange={() => toggle(run.id)} />
              </td>
              <td>
                <a href={`#/runs/${encodeURIComponent(run.id)}`}>{run.id}</a>
              </td>
              <td>{run.project}</td>
              <td>
                <span class={`status ${run.status}`}>{run.status}</span>
              </td>
              <td>{run.trigger ?? '–'}</td>
              <td>{when(run.startedAt ?? run.createdAt)}</td>
              <td>{duration((run.finishedAt ?? Date.now()) - (run.startedAt ?? run.createdAt))}</td>
              <td>
                <RunActions runId={run.id} status={run.status} permissions={permissions} onDone={(message) => (setNotice(message), runs.reload())} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav class="pager" aria-label="Pages of runs">
        <button type="button" disabled={current === 0} onClick={() => setPage(current - 1)}>
          Previous
        </button>
        <span>
          Page {current + 1} of {pages}
        </span>
        <button type="button" disabled={current >= pages - 1} onClick={() => setPage(current + 1)}>
          Next
        </button>
      </nav>
    </section>
  );
}

/** A filter: one of `options`, or all. */
function Choice(props: { label: string; value: string; options: readonly string[]; onChange(value: string): void }) {
  return (
    <label>
      {props.label}
      <select value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        <option value="">all</option>
        {props.options.map((o) => (
          <option key={o}>{o}</option>
        ))}
      </select>
    </label>
  );
}
