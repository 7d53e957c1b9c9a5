import { api } from './api.js';
import { when } from './format.js';
import type { ModelVersion } from './model-types.js';
import { Messages } from './messages.js';
import { TableHead } from './table-head.js';
import { usePolling } from './use-polling.js';

/** Each model once: how many versions, the newest, and which one serves. */
export function ModelsPage() {
  const versions = usePolling(() => api<ModelVersion[]>('models'), [], { intervalMs: 10_000 });
  const models = new Map<string, ModelVersion[]>();
  for (const v of versions.data ?? []) models.set(v.modelName, [...(models.get(v.modelName) ?? []), v]);
  return (
    <section aria-labelledby="models-title">
      <h1 id="models-title">Models</h1>
      <Messages error={versions.error} />
      <table class="models">
        <caption class="muted">{versions.data ? `${models.size} models` : 'Loading models…'}</caption>
        <TableHead columns={['Model', 'Versions', 'Newest', 'Serving', 'Registered']} />
        <tbody>
          {[...models].map(([name, list]) => {
            const newest = list.reduce((a, b) => (b.version > a.version ? b : a));
            const serving = list.find((v) => v.status === 'serving');
            return (
              <tr key={name} data-model={name}>
                <td>
                  <a href={`#/models/${encodeURIComponent(name)}`}>{name}</a>
                </td>
                <td>{list.length}</td>
                <td>v{newest.version}</td>
                <td>{serving ? `v${serving.version}` : '–'}</td>
                <td>{when(newest.createdAt)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
