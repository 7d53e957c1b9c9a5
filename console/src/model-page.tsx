import { useState } from 'preact/hooks';
import { api, type Permissions } from './api.js';
import { number, shortDigest, when } from './format.js';
import { ModelMonitoring } from './model-monitoring.js';
import type { ModelVersion, ModelView } from './model-types.js';
import { TableHead } from './table-head.js';
import { usePolling } from './use-polling.js';

/** The metrics a version row shows: the first few, by name. */
const SHOWN_METRICS = 3;

/** A model: what serves, its versions with lineage, its aliases and their history, and how it does live. */
export function ModelPage({ name, permissions }: { name: string; permissions: Permissions }) {
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);
  const path = `models/${encodeURIComponent(name)}`;
  const model = usePolling(() => api<ModelView>(path), [path], { intervalMs: 5000 });
  const view = model.data;
  if (model.error && !view)
    return (
      <p role="alert" class="error">
        {model.error.message}
      </p>
    );
  if (!view) return <p class="muted">Loading {name}…</p>;
  const rollBack = async (version: number) => {
    setBusy(true);
    try {
      const answer = await api<{ version: number; rolled_back_from: number | null }>(`${path}/rollback`, { method: 'POST', body: { to_version: version } });
      setNotice(`Serving v${answer.version}${answer.rolled_back_from ? ` (rolled back from v${answer.rolled_back_from})` : ''}`);
    } catch (error) {
      setNotice(`Could not roll back to v${version}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      setBusy(false);
      model.reload();
    }
  };
  const canRollBack = (v: ModelVersion) => permissions.has('models:promote') && view.serving !== null && v.version !== view.serving.version;
  const versions = [...view.versions].sort((a, b) => b.version - a.version);
  return (
    <article aria-labelledby="model-title">
      <p>
        <a href="#/models">← Models</a>
      </p>
      <h1 id="model-title">{view.name}</h1>
      <p class="summary" data-serving={view.serving?.version ?? ''}>
        {view.serving ? (
          <>
            serving <strong>v{view.serving.version}</strong> at <code>{view.serving.url}</code> since {when(view.serving.since)}
          </>
        ) : (
          'not serving'
        )}
        {view.projects.length > 0 && <> · trained by {view.projects.join(', ')}</>}
        {view.schedules.map((s) => (
          <span key={s.name}>
            {' '}
            · schedule {s.name} ({s.cadence}
            {s.paused ? ', paused' : s.next_fire_times[0] ? `, next ${when(s.next_fire_times[0])}` : ''})
          </span>
        ))}
      </p>
      {notice && (
        <p role="status" class="notice">
          {notice}
        </p>
      )}
      <section aria-labelledby="versions-title">
        <h2 id="versions-title">Versions</h2>
        <table class="versions">
          <TableHead
            columns={['Version', 'Status', 'Aliases', 'Metrics', 'Run', 'Dataset version', 'Source', 'Environment', 'Registered', { hidden: 'Actions' }]}
          />
          <tbody>
            {versions.map((v) => (
              <tr key={v.version} data-version={v.version}>
                <td>v{v.version}</td>
                <td>
                  <span class={`status ${v.status === 'serving' ? 'succeeded' : v.status === 'archived' ? 'cancelled' : 'queued'}`}>{v.status}</span>
                </td>
                <td>{(v.aliases ?? []).join(', ') || '–'}</td>
                <td>
                  {Object.entries(v.metrics)
                    .sort(([a], [b]) => a.localeCompare(b))
                    .slice(0, SHOWN_METRICS)
                    .map(([k, value]) => `${k} ${number(value)}`)
                    .join(' · ')}
                </td>
                <td>
                  <a href={`#/runs/${encodeURIComponent(v.runId)}`}>{v.runId}</a>
                </td>
                <td>{v.datasetVersion ?? '–'}</td>
                <td>{shortDigest(v.sourceDigest)}</td>
                <td>{shortDigest(v.environmentDigest)}</td>
                <td>{when(v.createdAt)}</td>
                <td>
                  {canRollBack(v) && (
                    <button type="button" disabled={busy} aria-label={`Roll back to v${v.version}`} onClick={() => rollBack(v.version)}>
                      Serve again
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <div class="columns">
        <section aria-labelledby="aliases-title">
          <h2 id="aliases-title">Aliases</h2>
          <table class="aliases">
            <TableHead columns={['Alias', 'Version', 'Since']} />
            <tbody>
              {view.aliases.map((a) => (
                <tr key={a.alias} data-alias={a.alias}>
                  <td>{a.alias}</td>
                  <td>v{a.version}</td>
                  <td>{when(a.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section aria-labelledby="history-title">
          <h2 id="history-title">Alias history</h2>
          <table class="alias-history">
            <TableHead columns={['When', 'Alias', 'Move', 'By', 'Why']} />
            <tbody>
              {[...view.alias_history]
                .sort((a, b) => b.createdAt - a.createdAt)
                .map((e) => (
                  <tr key={e.id}>
                    <td>{when(e.createdAt)}</td>
                    <td>{e.alias}</td>
                    <td>
                      {e.previousVersion === null ? '–' : `v${e.previousVersion}`} → {e.version === null ? 'removed' : `v${e.version}`}
                    </td>
                    <td>{e.actor}</td>
                    <td>{e.reason}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </section>
      </div>
      <ModelMonitoring name={view.name} />
    </article>
  );
}
