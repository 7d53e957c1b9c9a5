import { useState } from 'preact/hooks';
import { api, type Permissions } from './api.js';
import { when } from './format.js';
import type { ScheduleView } from './model-types.js';
import { Messages } from './messages.js';
import { TableHead } from './table-head.js';
import { usePolling } from './use-polling.js';

/** Fire times and results a row shows. */
const NEXT = 3;
const RECENT = 5;

/** Schedules (Temporal Schedules): cadence, paused or not, next fire times, recent results; pause, unpause, trigger. */
export function SchedulesPage({ permissions }: { permissions: Permissions }) {
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);
  const schedules = usePolling(() => api<ScheduleView[]>('schedules'), [], { intervalMs: 5000 });
  const canWrite = permissions.has('schedules:write');
  const act = async (name: string, action: 'pause' | 'unpause' | 'trigger') => {
    setBusy(true);
    try {
      await api(`schedules/${encodeURIComponent(name)}/${action}`, { method: 'POST', body: action === 'trigger' ? undefined : {} });
      setNotice(action === 'trigger' ? `Triggered ${name}` : `${action === 'pause' ? 'Paused' : 'Unpaused'} ${name}`);
    } catch (error) {
      setNotice(`Could not ${action} ${name}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      setBusy(false);
      schedules.reload();
    }
  };
  return (
    <section aria-labelledby="schedules-title">
      <h1 id="schedules-title">Schedules</h1>
      <Messages notice={notice} error={schedules.error} />
      <table class="schedules">
        <caption class="muted">{schedules.data ? `${schedules.data.length} schedules` : 'Loading schedules…'}</caption>
        <TableHead columns={['Schedule', 'Project', 'Cadence', 'State', 'Next fire times', 'Recent runs', { hidden: 'Actions' }]} />
        <tbody>
          {(schedules.data ?? []).map((s) => (
            <tr key={s.name} data-schedule={s.name}>
              <td>{s.web_ui_url ? <a href={s.web_ui_url}>{s.name}</a> : s.name}</td>
              <td>{s.project}</td>
              <td>{s.cadence}</td>
              <td>
                <span class={`status ${s.paused ? 'cancelled' : 'running'}`}>{s.paused ? 'paused' : 'active'}</span>
                {s.note && <div class="muted small">{s.note}</div>}
              </td>
              <td>
                <ul class="plain" aria-label={`Next fire times of ${s.name}`}>
                  {s.next_fire_times.slice(0, NEXT).map((t) => (
                    <li key={t}>{when(t)}</li>
                  ))}
                </ul>
              </td>
              <td>
                <ul class="plain" aria-label={`Recent runs of ${s.name}`}>
                  {s.recent_runs.slice(0, RECENT).map((r) => (
                    <li key={r.run_id} data-run-id={r.run_id}>
                      <a href={`#/runs/${encodeURIComponent(r.run_id)}`}>{when(r.taken_at)}</a> <span class={`status ${r.status}`}>{r.status}</span>
                      {r.model_version !== undefined && <> v{r.model_version}</>}
                    </li>
                  ))}
                </ul>
              </td>
              <td>
                {canWrite && (
                  <span class="actions">
                    <button
                      type="button"
                      disabled={busy}
                      aria-label={`${s.paused ? 'Unpause' : 'Pause'} ${s.name}`}
                      onClick={() => act(s.name, s.paused ? 'unpause' : 'pause')}
                    >
                      {s.paused ? 'Unpause' : 'Pause'}
                    </button>
                    <button type="button" disabled={busy} aria-label={`Trigger ${s.name}`} onClick={() => act(s.name, 'trigger')}>
                      Trigger now
                    </button>
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
