import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySpecFile, readSpecFile } from '../../api/cli/apply-file.js';
import { KilnApiError, type KilnApiClient, type RunView } from '../../api/client/kiln-api-client.js';
import type { EmbeddedStack } from '../../workers/embedded-stack.js';
import { startTestStack } from '../support/test-stack.js';
import { waitForRun } from '../support/wait-for-run.js';

let stack: EmbeddedStack;
let client: KilnApiClient;
const fixture = join(__dirname, '..', 'fixtures', 'sleepy');
const scratch = mkdtempSync(join(tmpdir(), 'kiln-resume-'));

const waitForEnd = (runId: string, timeoutMs = 90_000): Promise<RunView> => waitForRun(client, runId, timeoutMs);

const statuses = (run: RunView) => Object.fromEntries(run.steps.map((s) => [s.step, s.status]));

beforeAll(async () => {
  ({ stack, client } = await startTestStack('resume'));
  const specs = readSpecFile(join(fixture, 'kiln.json'));
  await applySpecFile(client, specs);
  // The sleepy project with a preprocess stage, so a resume has two stages to reuse.
  await client.applyProject({
    ...specs.project!,
    name: 'sleepy-resume',
    entrypoints: { preprocess: 'stages.py:preprocess', train: 'stages.py:train', evaluate: 'stages.py:evaluate' },
  });
});
afterAll(async () => {
  await stack?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('resuming a failed run from its failed stage', () => {
  it('reuses the completed stages, runs evaluate, succeeds and is linked to the original', async () => {
    const marker = join(scratch, 'fail-evaluate');
    writeFileSync(marker, '');
    const { run_id: original } = await client.startRun({ project: 'sleepy-resume', params: { extras: { fail_marker: marker } }, cache: false });
    const failed = await waitForEnd(original);
    expect(failed.status).toBe('failed');
    expect(statuses(failed)).toMatchObject({ preprocess: 'succeeded', train: 'succeeded', evaluate: 'failed' });

    // The cause is fixed outside the run; the resume keeps the original's params.
    rmSync(marker);
    const resumed = await client.resumeRun(original);
    expect(resumed).toMatchObject({ resumed_from: original, reused_stages: ['preprocess', 'train'] });
    expect(resumed.run_id).not.toBe(original);

    const run = await waitForEnd(resumed.run_id);
    expect(run.status).toBe('succeeded');
    expect(run.resumedFrom).toBe(original);
    expect(statuses(run)).toMatchObject({ preprocess: 'cached', train: 'cached', evaluate: 'succeeded', register: 'succeeded' });
    for (const stage of ['preprocess', 'train']) {
      expect(run.steps.find((s) => s.step === stage)).toMatchObject({ message: `reused from ${original}`, reusedFrom: original });
    }
    // Evaluate read the original's train outputs; source and dataset are the original's.
    expect(run.metrics.model_answer).toBe(1);
    expect(run).toMatchObject({ sourceDigest: failed.sourceDigest, datasetVersion: failed.datasetVersion, params: failed.params });
    expect(existsSync(marker)).toBe(false);

    const stored = await stack.backends.metadata.runs.getRun(resumed.run_id);
    expect(stored?.resumedFrom).toBe(original);
    expect(stored?.stages.find((s) => s.stage === 'train')).toMatchObject({ status: 'cached', reusedFrom: original });
    const [model] = await client.listModelVersions('sleepy-resume');
    expect(model).toMatchObject({ runId: resumed.run_id, artifactPrefix: `runs/${original}/train/outputs` });
  });

  it('refuses to resume a run that succeeded (409)', async () => {
    const { run_id } = await client.startRun({ project: 'sleepy' });
    expect((await waitForEnd(run_id)).status).toBe('succeeded');
    const refused = await client.resumeRun(run_id).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(KilnApiError);
    expect((refused as KilnApiError).status).toBe(409);
  });

  it('answers 404 for an unknown run', async () => {
    await expect(client.resumeRun('no-such-run')).rejects.toMatchObject({ status: 404 });
  });
});
