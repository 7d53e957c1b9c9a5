import { useEffect, useState } from 'preact/hooks';
import { api, type StageLog, type StepView } from './api.js';
import { downloadText } from './download.js';

const STAGES = ['preprocess', 'train', 'evaluate'];

/** The stored log of a stage attempt: its tail on the page, the same text as a download. */
export function LogPanel({ runId, steps }: { runId: string; steps: StepView[] }) {
  const stages = steps.filter((s) => STAGES.includes(s.step) && s.attempts?.length);
  const [stage, setStage] = useState<string>();
  const chosen = stage ?? stages.at(-1)?.step;
  const attempts = stages.find((s) => s.step === chosen)?.attempts ?? [];
  const lastAttempt = attempts.at(-1);
  const [log, setLog] = useState<StageLog | string>();
  const key = `${chosen}/${lastAttempt?.attempt}/${lastAttempt?.status}`;
  // Reloads when the stage or its last attempt changes (`key`).
  useEffect(() => {
    if (!chosen) return;
    let stale = false;
    api<StageLog>(`runs/${encodeURIComponent(runId)}/logs?stage=${chosen}`).then(
      (l) => !stale && setLog(l),
      (e: unknown) =>
        !stale && setLog(lastAttempt?.status === 'running' ? 'The log is stored when the attempt ends.' : String(e instanceof Error ? e.message : e)),
    );
    return () => {
      stale = true;
    };
  }, [runId, key]);
  if (!chosen) return <p class="muted">No stage has run yet.</p>;
  const download = () => typeof log === 'object' && downloadText(log.text, `${runId}-${log.stage}-attempt-${log.attempt}.log`);
  return (
    <div class="logs">
      <div class="chart-controls">
        <label>
          Stage{' '}
          <select value={chosen} onChange={(e) => setStage(e.currentTarget.value)}>
            {stages.map((s) => (
              <option key={s.step}>{s.step}</option>
            ))}
          </select>
        </label>
        <button type="button" onClick={download} disabled={typeof log !== 'object'}>
          Download log
        </button>
        {typeof log === 'object' && (
          <span class="muted">
            attempt {log.attempt} · {log.size} bytes{log.truncated ? ' (showing the tail)' : ''}
          </span>
        )}
      </div>
      <section aria-label={`Log of ${chosen}`}>
        {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard */}
        <pre tabIndex={0}>{typeof log === 'object' ? log.text || '(empty)' : (log ?? 'Loading…')}</pre>
      </section>
    </div>
  );
}
