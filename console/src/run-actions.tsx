import { useState } from 'preact/hooks';
import { api, isTerminal, type Permissions, type RunStatus } from './api.js';

const RESUMABLE: readonly RunStatus[] = ['failed', 'cancelled', 'rejected'];

/**
 * Cancel and resume, shown only to a caller whose bindings hold the permission; the API checks
 * it again (and audits the call), so a hidden button is a courtesy, not the control.
 */
export function RunActions(props: { runId: string; status: RunStatus; permissions: Permissions; onDone(message: string): void }) {
  const [busy, setBusy] = useState(false);
  const act = async (action: 'cancel' | 'resume') => {
    setBusy(true);
    try {
      const answer = await api<{ run_id: string }>(`runs/${encodeURIComponent(props.runId)}/${action}`, { method: 'POST', body: {} });
      props.onDone(action === 'cancel' ? `Cancelling ${props.runId}` : `Resumed as ${answer.run_id}`);
    } catch (error) {
      props.onDone(`Could not ${action} ${props.runId}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      setBusy(false);
    }
  };
  const canCancel = props.permissions.has('runs:cancel') && !isTerminal(props.status);
  const canResume = props.permissions.has('runs:create') && RESUMABLE.includes(props.status);
  return (
    <span class="actions">
      {canCancel && (
        <button type="button" class="danger" disabled={busy} aria-label={`Cancel run ${props.runId}`} onClick={() => act('cancel')}>
          Cancel
        </button>
      )}
      {canResume && (
        <button type="button" disabled={busy} aria-label={`Resume run ${props.runId}`} onClick={() => act('resume')}>
          Resume
        </button>
      )}
    </span>
  );
}
