import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type StageLog, type StepView } from './api.js';
import { downloadText } from './download.js';
import { usePolling } from './use-polling.js';

const STAGES = ['preprocess', 'train', 'evaluate'];
/** How often a running attempt's log is asked for again (the browser revalidates it: 304 when unchanged). */
const LIVE_POLL_MS = 2000;

/** A stage attempt's log: tailed while it runs, the stored log once it ended; the same text as a download. */
export function LogPanel({ runId, steps }: { runId: string; steps: StepView[] }) {
  const stages = steps.filter((s) => STAGES.includes(s.step) && s.attempts?.length);
  const [stage, setStage] = useState<string>();
  const chosen = stage ?? stages.at(-1)?.step;
  const lastAttempt = (stages.find((s) => s.step === chosen)?.attempts ?? []).at(-1);
  const running = lastAttempt?.status === 'running';
  // Loaded again when the stage or its last attempt changes; polled while that attempt runs.
  const key = `${chosen}/${lastAttempt?.attempt}/${lastAttempt?.status}`;
  const log = usePolling(() => (chosen ? api<StageLog>(`runs/${encodeURIComponent(runId)}/logs?stage=${chosen}`) : Promise.resolve(undefined)), [runId, key], {
    intervalMs: LIVE_POLL_MS,
    active: (l) => running && (l === undefined || l.live),
  });
  const pre = useRef<HTMLPreElement>(null);
  // A live tail follows its newest line.
  useEffect(() => {
    if (log.data?.live && pre.current) pre.current.scrollTop = pre.current.scrollHeight;
  }, [log.data]);
  if (!chosen) return <p class="muted">No stage has run yet.</p>;
  const shown = log.data?.attempt === lastAttempt?.attempt || !lastAttempt ? log.data : undefined;
  const waiting = running ? 'Waiting for the first lines…' : (log.error?.message ?? 'Loading…');
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
        <button
          type="button"
          onClick={() => shown && downloadText(shown.text, `${runId}-${shown.stage}-attempt-${shown.attempt}${shown.live ? '-so-far' : ''}.log`)}
          disabled={!shown}
        >
          Download log
        </button>
        {shown && (
          <span class="muted" data-live={shown.live ? 'true' : undefined}>
            attempt {shown.attempt} · {shown.size} bytes{shown.truncated ? ' (showing the tail)' : ''}
            {shown.live && <strong class="live"> · live</strong>}
          </span>
        )}
      </div>
      <section aria-label={`Log of ${chosen}`}>
        {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard */}
        <pre tabIndex={0} ref={pre}>
          {shown ? shown.text || '(empty)' : waiting}
        </pre>
      </section>
    </div>
  );
}
