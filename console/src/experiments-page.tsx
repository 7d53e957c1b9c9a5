import { api, type ExperimentSummary } from './api.js';
import { duration, when } from './format.js';
import { Messages } from './messages.js';
import { TableHead } from './table-head.js';
import { usePolling } from './use-polling.js';

/** Every experiment the caller may see, newest first, each linked to its page. */
export function ExperimentsPage() {
  const experiments = usePolling(() => api<ExperimentSummary[]>('experiments?limit=200'), [], { intervalMs: 5000 });
  return (
    <section aria-labelledby="experiments-title">
      <h1 id="experiments-title">Experiments</h1>
      <Messages error={experiments.error} />
      <table class="experiments">
        <caption class="muted">{experiments.data ? `${experiments.data.length} experiments` : 'Loading experiments…'}</caption>
        <TableHead columns={['Experiment', 'Project', 'State', 'Started', 'Duration']} />
        <tbody>
          {(experiments.data ?? []).map((e) => (
            <tr key={e.experiment_id} data-experiment-id={e.experiment_id}>
              <td>
                <a href={`#/experiments/${encodeURIComponent(e.experiment_id)}`}>{e.experiment_id}</a>
              </td>
              <td>{e.project}</td>
              <td>
                <span class={`status ${e.state}`}>{e.state}</span>
              </td>
              <td>{when(e.started_at)}</td>
              <td>{duration((e.closed_at ? Date.parse(e.closed_at) : Date.now()) - Date.parse(e.started_at))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
