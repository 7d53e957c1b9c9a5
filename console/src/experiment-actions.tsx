import { useState } from 'preact/hooks';
import { api, type ExperimentView, type Permissions } from './api.js';

/**
 * Promote the best trial, stop, extend: shown only to a caller holding experiments:write; the
 * API checks it again and audits the call.
 */
export function ExperimentActions({ view, permissions, onDone }: { view: ExperimentView; permissions: Permissions; onDone(message: string): void }) {
  const [busy, setBusy] = useState(false);
  const [more, setMore] = useState(view.maxTrialCount + 4);
  if (!permissions.has('experiments:write')) return null;
  const path = `experiments/${encodeURIComponent(view.experimentId)}`;
  const act = async (label: string, action: () => Promise<string>) => {
    setBusy(true);
    try {
      onDone(await action());
    } catch (error) {
      onDone(`Could not ${label}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      setBusy(false);
    }
  };
  const promote = () =>
    act('promote', async () => {
      const answer = await api<{ trial: number; run_id: string }>(`${path}/promote`, { method: 'POST', body: {} });
      return `Promoting trial ${answer.trial} as run ${answer.run_id}`;
    });
  const stop = () => act('stop', async () => (await api(`${path}/stop`, { method: 'POST', body: {} }), `Stopping ${view.experimentId}`));
  const extend = () =>
    act('extend', async () => {
      await api(`${path}/extend`, { method: 'POST', body: { max_trial_count: more } });
      return `Extended ${view.experimentId} to ${more} trials`;
    });
  return (
    <form class="actions" aria-label="Experiment actions" onSubmit={(e) => (e.preventDefault(), void extend())}>
      {view.best && (
        <button type="button" disabled={busy} onClick={promote}>
          Promote best trial
        </button>
      )}
      {view.status === 'running' && (
        <button type="button" class="danger" disabled={busy} onClick={stop}>
          Stop
        </button>
      )}
      {view.status !== 'failed' && (
        <>
          <label>
            Max trials{' '}
            <input type="number" min={view.maxTrialCount + 1} value={more} onInput={(e) => setMore(Number(e.currentTarget.value))} style="width: 5em" />
          </label>
          <button type="submit" disabled={busy || !(more > view.maxTrialCount)}>
            Extend
          </button>
        </>
      )}
    </form>
  );
}
