import type { StepView } from './api.js';
import { duration } from './format.js';

const time = (iso: string | undefined) => (iso ? Date.parse(iso) : Number.NaN);

/**
 * A Gantt of the run's steps: one row per step, one bar per attempt (failed attempts in their
 * own colour, with their failure class), positioned on the run's own time axis.
 */
export function StageTimeline({ steps, now }: { steps: StepView[]; now: number }) {
  const starts = steps.flatMap((s) => [time(s.startedAt), ...(s.attempts ?? []).map((a) => time(a.startedAt))]).filter(Number.isFinite);
  if (!starts.length) return <p class="muted">No step has started yet.</p>;
  const begin = Math.min(...starts);
  const ends = steps.flatMap((s) => [time(s.finishedAt), ...(s.attempts ?? []).map((a) => time(a.finishedAt))]).filter(Number.isFinite);
  const end = Math.max(now, ...ends, begin + 1);
  const span = end - begin;
  const at = (t: number) => `${(((t - begin) / span) * 100).toFixed(2)}%`;
  const width = (from: number, to: number) => `${Math.max(0.5, ((to - from) / span) * 100).toFixed(2)}%`;
  return (
    <table class="timeline">
      <caption class="visually-hidden">Stage timeline, total {duration(span)}</caption>
      <thead>
        <tr>
          <th scope="col">Step</th>
          <th scope="col">Status</th>
          <th scope="col">Duration</th>
          <th scope="col">Timeline ({duration(span)})</th>
        </tr>
      </thead>
      <tbody>
        {steps.map((step) => {
          const attempts = step.attempts?.length
            ? step.attempts.map((a) => ({ key: `a${a.attempt}`, from: time(a.startedAt), to: time(a.finishedAt), status: a.status, label: attemptLabel(a) }))
            : [{ key: 'step', from: time(step.startedAt), to: time(step.finishedAt), status: step.status, label: step.message ?? step.status }];
          return (
            <tr key={step.step} data-step={step.step}>
              <th scope="row">{step.step}</th>
              <td>
                <span class={`status ${step.status}`}>{step.status}</span>
                {step.message && <span class="muted"> {step.message}</span>}
              </td>
              <td>{duration(step.durationMs)}</td>
              <td class="lane">
                {attempts
                  .filter((a) => Number.isFinite(a.from))
                  .map((a) => (
                    <span
                      key={a.key}
                      class={`bar ${a.status}`}
                      style={{ left: at(a.from), width: width(a.from, Number.isFinite(a.to) ? a.to : now) }}
                      title={a.label}
                    >
                      <span class="visually-hidden">{a.label}</span>
                    </span>
                  ))}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function attemptLabel(a: NonNullable<StepView['attempts']>[number]): string {
  const took = a.finishedAt ? `, ${duration(Date.parse(a.finishedAt) - Date.parse(a.startedAt))}` : '';
  return `attempt ${a.attempt}: ${a.status}${a.failureClass ? ` (${a.failureClass})` : ''}${took}${a.message ? ` — ${a.message}` : ''}`;
}
