import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOG_TAIL_BYTES, RunDetailsService } from '../../../api/run-details-service.js';
import { LiveStageLog } from '../../../activities/live-stage-log.js';
import { stageLiveLog, stageLogKey } from '../../../core/artifacts/artifact-keys.js';
import { FilesystemArtifactStore } from '../../../core/artifacts/filesystem-store.js';
import { NotFoundError } from '../../../core/errors.js';
import { openMetadataStore, type MetadataStore } from '../../../core/metadata/metadata-store.js';
import { Hyperparameters, RunPolicy } from '../../../core/specs/index.js';

const root = mkdtempSync(join(tmpdir(), 'kiln-run-details-'));
let metadata: MetadataStore;
let artifacts: FilesystemArtifactStore;
let details: RunDetailsService;
const runId = 'fraud-20261203-000000-abcd1234';

beforeAll(async () => {
  metadata = await openMetadataStore({ sqlitePath: join(root, 'kiln.sqlite') });
  artifacts = new FilesystemArtifactStore(join(root, 'artifacts'));
  details = new RunDetailsService({ metadata, artifacts });
  await metadata.runs.createRun({
    id: runId,
    project: 'fraud',
    modelName: 'fraud',
    workflowId: runId,
    params: Hyperparameters.parse({}),
    policy: RunPolicy.parse({}),
  });
  await metadata.metrics.recordMany(runId, 'train', [
    { name: 'loss', value: 0.9, step: 1, epoch: 1 },
    { name: 'loss', value: 0.5, step: 2, epoch: 1 },
  ]);
  await metadata.metrics.recordMany(runId, 'evaluate', [{ name: 'accuracy', value: 0.97 }]);
  for (const attempt of [1, 2]) {
    await metadata.attempts.begin({ runId, stage: 'train', attempt });
    await artifacts.put(stageLogKey(runId, 'train', attempt), attempt === 1 ? 'first attempt\n' : `${'x'.repeat(LOG_TAIL_BYTES)}the end\n`);
  }
});
afterAll(async () => {
  await metadata.close();
  rmSync(root, { recursive: true, force: true });
});

describe('RunDetailsService.metrics', () => {
  it('returns every point of every stage, stepless final values included', async () => {
    const { points } = await details.metrics(runId);
    expect(points.map((p) => [p.stage, p.name, p.step, p.value])).toEqual([
      ['evaluate', 'accuracy', null, 0.97],
      ['train', 'loss', 1, 0.9],
      ['train', 'loss', 2, 0.5],
    ]);
  });

  it('is a NotFoundError for a run that does not exist', async () => {
    await expect(details.metrics('fraud-unknown')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('RunDetailsService.log', () => {
  it("answers a stage's last attempt by default, cut to its tail when longer than the limit", async () => {
    const log = await details.log(runId, 'train');
    expect(log.attempt).toBe(2);
    expect(log.truncated).toBe(true);
    expect(log.size).toBe(LOG_TAIL_BYTES + 'the end\n'.length);
    expect(log.text).toHaveLength(LOG_TAIL_BYTES);
    expect(log.text.endsWith('the end\n')).toBe(true);
  });

  it('answers an earlier attempt whole when asked for it', async () => {
    expect(await details.log(runId, 'train', 1)).toMatchObject({ attempt: 1, text: 'first attempt\n', truncated: false, live: false });
  });

  it("answers a running attempt's live tail until its log is stored, then the stored log", async () => {
    const live = new LiveStageLog(artifacts, stageLiveLog(runId, 'evaluate', 1));
    const stored = artifacts.put(stageLogKey(runId, 'evaluate', 1), live.stream);
    await metadata.attempts.begin({ runId, stage: 'evaluate', attempt: 1 });
    live.stream.write('loading\n');
    live.flush();
    await expect.poll(() => details.log(runId, 'evaluate').catch(() => undefined)).toMatchObject({ attempt: 1, text: 'loading\n', live: true });
    live.stream.write('scored\n');
    live.flush();
    await expect.poll(async () => (await details.log(runId, 'evaluate')).text).toBe('loading\nscored\n');
    live.stream.end('done\n');
    await stored;
    await live.close();
    expect(await details.log(runId, 'evaluate')).toMatchObject({ text: 'loading\nscored\ndone\n', live: false });
    expect(await artifacts.exists(stageLiveLog(runId, 'evaluate', 1).key)).toBe(false);
  });

  it.each([
    ['a stage that has not run', 'preprocess', undefined],
    ['an attempt that was never made', 'train', 3],
  ] as const)('is a NotFoundError for %s', async (_label, stage, attempt) => {
    await expect(details.log(runId, stage, attempt)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('is a NotFoundError without an artifact store', async () => {
    await expect(new RunDetailsService({ metadata }).log(runId, 'train')).rejects.toBeInstanceOf(NotFoundError);
  });
});
