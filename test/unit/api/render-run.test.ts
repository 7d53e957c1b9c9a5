import { describe, expect, it } from 'vitest';
import { renderRun } from '../../../api/cli/render-run.js';
import type { RunView } from '../../../api/client/kiln-api-client.js';
import { PIPELINE_STEPS, type StepStatus } from '../../../core/pipeline/run-progress.js';

const run = (change: Partial<RunView> = {}): RunView => ({
  runId: 'iris-20260101-120000-beef',
  project: 'iris',
  modelName: 'iris',
  status: 'running',
  params: {},
  metrics: {},
  steps: PIPELINE_STEPS.map((step) => ({ step, status: 'pending' })),
  ...change,
});

describe('renderRun header', () => {
  it('names the run, project and status in upper case', () => {
    expect(renderRun(run())[0]).toBe('run iris-20260101-120000-beef  project iris  status RUNNING');
  });
});

describe('renderRun steps', () => {
  it('writes one line per step, in order', () => {
    const lines = renderRun(run());
    expect(lines).toHaveLength(1 + PIPELINE_STEPS.length);
    expect(lines.slice(1).map((l) => l.trim().split(/\s+/)[1])).toEqual([...PIPELINE_STEPS]);
  });

  it.each<[StepStatus, string]>([
    ['pending', '·'],
    ['waiting', '…'],
    ['running', '▶'],
    ['succeeded', '✔'],
    ['failed', '✘'],
    ['skipped', '-'],
    ['cancelled', '■'],
    ['cached', '↺'],
  ])('marks a %s step with %s', (status, icon) => {
    const [, line] = renderRun(run({ steps: [{ step: 'train', status }] }));
    expect(line?.startsWith(`  ${icon} train `)).toBe(true);
  });

  it('aligns status and seconds in columns and ends with the message', () => {
    const [, line] = renderRun(run({ steps: [{ step: 'train', status: 'succeeded', durationMs: 12_345, message: 'loss 0.12' }] }));
    expect(line).toBe(`  ✔ ${'train'.padEnd(11)} ${'succeeded'.padEnd(10)} ${'12.35s'.padStart(8)}  loss 0.12`);
  });

  it('leaves no trailing spaces when there is no time or message', () => {
    const [, line] = renderRun(run({ steps: [{ step: 'serve', status: 'pending' }] }));
    expect(line).toBe(`  · serve       pending`);
  });
});

describe('renderRun attempts', () => {
  const at = '2026-01-01T12:00:00.000Z';
  it('lists every attempt of a stage that failed once, with its class and whether it was retried', () => {
    const lines = renderRun(
      run({
        steps: [
          {
            step: 'train',
            status: 'succeeded',
            attempts: [
              {
                attempt: 1,
                status: 'failed',
                failureClass: 'out_of_memory',
                retried: true,
                message: 'out of memory: train was killed (SIGKILL)',
                startedAt: at,
              },
              { attempt: 2, status: 'succeeded', retried: false, startedAt: at },
            ],
          },
        ],
      }),
    );
    expect(lines.slice(2)).toEqual(['      attempt 1: failed, retried [out_of_memory] — train was killed (SIGKILL)', '      attempt 2: succeeded']);
  });

  it('lists none for a stage that succeeded at its only attempt', () => {
    const lines = renderRun(run({ steps: [{ step: 'train', status: 'succeeded', attempts: [{ attempt: 1, status: 'succeeded', startedAt: at }] }] }));
    expect(lines).toHaveLength(2);
  });

  it('names the failure class of a failed run next to its error', () => {
    const lines = renderRun(run({ status: 'failed', failureClass: 'missing_data', error: 'dataset "iris" not found' }));
    expect(lines.at(-1)).toBe('  error (missing data): dataset "iris" not found');
  });
});

describe('renderRun footer', () => {
  it('adds the error and the Web UI link when present', () => {
    const lines = renderRun(run({ status: 'failed', error: 'train exited with code 1', web_ui_url: 'http://localhost:8233/x' }));
    expect(lines.slice(-2)).toEqual(['  error: train exited with code 1', '  web ui: http://localhost:8233/x']);
  });

  it('adds nothing after the steps when there is neither', () => {
    expect(renderRun(run())).toHaveLength(1 + PIPELINE_STEPS.length);
  });
});
