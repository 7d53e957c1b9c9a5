import { useState } from 'preact/hooks';
import { api } from './api.js';
import { downloadText } from './download.js';
import { duration, shortDigest, when } from './format.js';
import { Messages } from './messages.js';
import type { BuildLog, EnvironmentView } from './model-types.js';
import { TableHead } from './table-head.js';
import { usePolling } from './use-polling.js';

/** Environments with their build state, polled while one builds; each build's stored log on demand. */
export function EnvironmentsPage() {
  const environments = usePolling(() => api<EnvironmentView[]>('environments'), [], {
    intervalMs: 3000,
    active: (list) => list.some((e) => e.build?.status === 'building'),
  });
  const [open, setOpen] = useState<string>();
  return (
    <section aria-labelledby="environments-title">
      <h1 id="environments-title">Environments</h1>
      <Messages error={environments.error} />
      <table class="environments">
        <caption class="muted">{environments.data ? `${environments.data.length} environments` : 'Loading environments…'}</caption>
        <TableHead columns={['Environment', 'Python', 'Dependencies', 'Spec digest', 'Build', 'Built', 'Took', { hidden: 'Build log' }]} />
        <tbody>
          {(environments.data ?? []).map((e) => (
            <tr key={e.name} data-environment={e.name}>
              <td>
                {e.name}
                {e.isDefault && <span class="badge"> default</span>}
                {e.description && <div class="muted small">{e.description}</div>}
              </td>
              <td>{e.spec.python_version}</td>
              <td class="small">{e.spec.dependencies.join(', ') || '–'}</td>
              <td>{shortDigest(e.specDigest)}</td>
              <td>
                <span
                  class={`status ${e.build ? (e.build.status === 'ready' ? 'succeeded' : e.build.status === 'building' ? 'running' : 'failed') : 'pending'}`}
                >
                  {e.build?.status ?? 'not built'}
                </span>
                {e.build?.error && <div class="error small">{e.build.error}</div>}
              </td>
              <td>{when(e.build?.finishedAt)}</td>
              <td>{duration(e.build?.durationMs)}</td>
              <td>
                {e.build && (
                  <button
                    type="button"
                    aria-expanded={open === e.name}
                    aria-label={`Build log of ${e.name}`}
                    onClick={() => setOpen(open === e.name ? undefined : e.name)}
                  >
                    Build log
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {open && <BuildLogPanel name={open} />}
    </section>
  );
}

/** The newest build attempt's log, polled while the build runs; downloadable as text. */
function BuildLogPanel({ name }: { name: string }) {
  const log = usePolling(() => api<BuildLog>(`environments/${encodeURIComponent(name)}/build-log`), [name], { intervalMs: 3000 });
  return (
    <section class="logs" aria-label={`Build log of ${name}`}>
      <h2>
        Build log of {name}
        {log.data && <span class="muted small"> · attempt {log.data.attempt}</span>}
        {log.data && (
          <>
            {' '}
            <button type="button" onClick={() => downloadText(log.data!.text, `${name}-build-${log.data!.attempt}.log`)}>
              Download log
            </button>
          </>
        )}
      </h2>
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard */}
      <pre tabIndex={0}>
        {log.data
          ? log.data.truncated
            ? `… (last ${log.data.text.length} of ${log.data.size} bytes)\n${log.data.text}`
            : log.data.text
          : (log.error?.message ?? 'Loading…')}
      </pre>
    </section>
  );
}
