import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KilnApiClient, RunView } from '../../api/client/kiln-api-client.js';
import { applySpecFile, readSpecFile } from '../../api/cli/apply-file.js';
import { checkpointPrefix, stageLogKey } from '../../core/artifacts/artifact-keys.js';
import type { EmbeddedStack } from '../../workers/embedded-stack.js';
import { startTestStack } from '../support/test-stack.js';
import { runToEnd as runToEndOf } from '../support/wait-for-run.js';

let stack: EmbeddedStack;
let client: KilnApiClient;
const markers = mkdtempSync(join(tmpdir(), 'kiln-crash-markers-'));
const fixture = join(__dirname, '..', 'fixtures', 'checkpointing');
const CRASH_AT = 12;

const runToEnd = (body: Parameters<KilnApiClient['startRun']>[0]): Promise<RunView> => runToEndOf(client, body, 90_000);

const trainLog = async (runId: string, attempt: number) => (await stack.backends.artifacts.getBuffer(stageLogKey(runId, 'train', attempt))).toString('utf8');
const crashOnce = (name: string) => ({ extras: { crash_at_step: CRASH_AT, crash_marker: join(markers, name) } });
const withoutResumeMarker = ({ resumed_from_step: _, ...rest }: Record<string, number>) => rest;

beforeAll(async () => {
  ({ stack, client } = await startTestStack('checkpointing'));
  await applySpecFile(client, readSpecFile(join(fixture, 'kiln.json')));
});
afterAll(async () => stack?.stop());

describe('auto-resume of a crashed train stage from its checkpoints', () => {
  let uninterrupted: RunView;
  beforeAll(async () => {
    uninterrupted = await runToEnd({ project: 'checkpointing' });
  });

  it('an uninterrupted run trains every step from scratch', () => {
    expect(uninterrupted.status).toBe('succeeded');
    expect(uninterrupted.metrics).toMatchObject({ steps_trained: 20, resumed_from_step: 0 });
  });

  it('with auto_resume the retry starts from the last checkpoint and ends with the uninterrupted metrics', async () => {
    const run = await runToEnd({ project: 'checkpointing', params: crashOnce('resume'), run_policy: { retry_count_limit: 1, auto_resume: true } });
    expect(run.status).toBe('succeeded');
    expect(run.steps.find((s) => s.step === 'train')?.attempt).toBe(2);
    expect(await trainLog(run.runId, 1)).toMatch(`deliberate crash after step ${CRASH_AT}`);
    expect(await trainLog(run.runId, 2)).toContain(`kiln: resuming train from checkpoint step ${CRASH_AT} (attempt 2)`);
    expect(run.metrics.resumed_from_step).toBe(CRASH_AT);
    expect(withoutResumeMarker(run.metrics)).toEqual(withoutResumeMarker(uninterrupted.metrics));

    const stored = await stack.backends.artifacts.list(checkpointPrefix(run.runId, 'train'));
    expect(stored).toContain(`${checkpointPrefix(run.runId, 'train')}/checkpoint-00000020.json`);
  });

  it('without auto_resume the retry starts over from step 0', async () => {
    const run = await runToEnd({ project: 'checkpointing', params: crashOnce('restart'), run_policy: { retry_count_limit: 1, auto_resume: false } });
    expect(run.status).toBe('succeeded');
    expect(run.steps.find((s) => s.step === 'train')?.attempt).toBe(2);
    expect(await trainLog(run.runId, 2)).not.toContain('resuming train');
    expect(run.metrics.resumed_from_step).toBe(0);
    expect(run.metrics).toEqual(uninterrupted.metrics);
  });
});
