import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySpecFile, readSpecFile } from '../../api/cli/apply-file.js';
import type { KilnApiClient, RunView } from '../../api/client/kiln-api-client.js';
import type { EmbeddedStack } from '../../workers/embedded-stack.js';
import { startTestStack } from '../support/test-stack.js';
import { runToEnd as runToEndOf } from '../support/wait-for-run.js';

let stack: EmbeddedStack;
let client: KilnApiClient;
const fixture = join(__dirname, '..', 'fixtures', 'sleepy');

const runToEnd = (request: Record<string, unknown>): Promise<RunView> =>
  runToEndOf(client, { project: 'sleepy-cache', ...request } as Parameters<KilnApiClient['startRun']>[0], 90_000);

const statuses = (run: RunView) =>
  Object.fromEntries(run.steps.filter((s) => ['preprocess', 'train', 'evaluate'].includes(s.step)).map((s) => [s.step, s.status]));
const SLOW = { extras: { sleep_seconds: 1.5 } };

beforeAll(async () => {
  ({ stack, client } = await startTestStack('stage-cache'));
  const specs = readSpecFile(join(fixture, 'kiln.json'));
  await applySpecFile(client, specs);
  await client.applyProject({
    ...specs.project!,
    name: 'sleepy-cache',
    entrypoints: { preprocess: 'stages.py:preprocess', train: 'stages.py:train', evaluate: 'stages.py:evaluate' },
  });
});
afterAll(async () => stack?.stop());

describe('stage caching', () => {
  let first: RunView;

  it('a second identical run reuses every stage of the first: cached, fast, same metrics', async () => {
    first = await runToEnd({ params: SLOW });
    expect(first.status).toBe('succeeded');
    expect(statuses(first)).toEqual({ preprocess: 'succeeded', train: 'succeeded', evaluate: 'succeeded' });

    const second = await runToEnd({ params: SLOW });
    expect(second.status).toBe('succeeded');
    expect(statuses(second)).toEqual({ preprocess: 'cached', train: 'cached', evaluate: 'cached' });
    for (const stage of ['preprocess', 'train', 'evaluate']) {
      expect(second.steps.find((s) => s.step === stage)).toMatchObject({ message: `cached from ${first.runId}`, reusedFrom: first.runId });
    }
    // Train sleeps 1.5 s when it runs; reused, it takes no time.
    expect(second.steps.find((s) => s.step === 'train')!.durationMs).toBeLessThan(1000);
    expect(second.metrics).toEqual(first.metrics);
    // The model is the first run's train outputs: the second run names the version that holds them.
    const models = await client.listModelVersions('sleepy-cache');
    expect(models.map((m) => [m.runId, m.artifactPrefix])).toEqual([[first.runId, `runs/${first.runId}/train/outputs`]]);
    expect(second.modelVersion).toBe(first.modelVersion);
    const stored = await stack.backends.metadata.runs.getRun(second.runId);
    expect(stored?.stages.find((s) => s.stage === 'train')).toMatchObject({ status: 'cached', reusedFrom: first.runId });
  });

  it('a changed param makes train (and what reads its params) run again', async () => {
    const changed = await runToEnd({ params: { ...SLOW, epochs: 2 } });
    expect(changed.status).toBe('succeeded');
    expect(statuses(changed)).toMatchObject({ train: 'succeeded', evaluate: 'succeeded' });
  });

  it('cache: false runs every stage even when all of them are cached', async () => {
    const uncached = await runToEnd({ params: SLOW, cache: false });
    expect(uncached.status).toBe('succeeded');
    expect(statuses(uncached)).toEqual({ preprocess: 'succeeded', train: 'succeeded', evaluate: 'succeeded' });
    expect(uncached.steps.find((s) => s.step === 'train')!.processMs).toBeGreaterThan(1000);
  });
});
