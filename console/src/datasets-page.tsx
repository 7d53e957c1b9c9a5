import { api } from './api.js';
import { shortDigest, when } from './format.js';
import { Messages } from './messages.js';
import type { DatasetVersion } from './model-types.js';
import { TableHead } from './table-head.js';
import { usePolling } from './use-polling.js';

interface DatasetView {
  name: string;
  spec: { path: string; target_column?: string; description?: string };
  updatedAt: number;
}

/** Registered datasets, each with its stored versions (content digest, rows), newest first. */
export function DatasetsPage() {
  const datasets = usePolling(() => api<DatasetView[]>('datasets'), [], { intervalMs: 30_000 });
  return (
    <section aria-labelledby="datasets-title">
      <h1 id="datasets-title">Datasets</h1>
      <Messages error={datasets.error} />
      {!datasets.data && <p class="muted">Loading datasets…</p>}
      {(datasets.data ?? []).map((d) => (
        <section key={d.name} aria-labelledby={`dataset-${d.name}`} data-dataset={d.name}>
          <h2 id={`dataset-${d.name}`}>{d.name}</h2>
          <p class="summary muted">
            {d.spec.description && <>{d.spec.description} · </>}
            <code>{d.spec.path}</code>
            {d.spec.target_column && <> · target {d.spec.target_column}</>} · updated {when(d.updatedAt)}
          </p>
          <DatasetVersions name={d.name} />
        </section>
      ))}
    </section>
  );
}

function DatasetVersions({ name }: { name: string }) {
  const versions = usePolling(() => api<DatasetVersion[]>(`datasets/${encodeURIComponent(name)}/versions`), [name], { intervalMs: 30_000 });
  if (!versions.data) return <p class="muted">{versions.error?.message ?? 'Loading versions…'}</p>;
  if (versions.data.length === 0) return <p class="muted">No version stored yet: the first run (or the dataset's watch) stores one.</p>;
  return (
    <table class="dataset-versions">
      <caption class="visually-hidden">Versions of {name}</caption>
      <TableHead columns={['Version', 'Content digest', 'Train rows', 'Test rows', 'Stored']} />
      <tbody>
        {versions.data.map((v) => (
          <tr key={v.id} data-version={v.id}>
            <td>
              <code>{v.id}</code>
            </td>
            <td>{shortDigest(v.contentSha256)}</td>
            <td>{v.trainRows}</td>
            <td>{v.testRows}</td>
            <td>{when(v.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
