/**
 * The monitor's report activity and `GET /v1/models/{name}/monitoring`'s service on every
 * metadata dialect and the real filesystem store: a served model's window of logged predictions
 * and feedback against the profile of the train split its version was trained on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, describe, expect, it } from 'vitest';
import type { ActivityDeps } from '../../../activities/activity-deps.js';
import { createMonitoringActivities } from '../../../activities/monitoring.js';
import { MonitoringService } from '../../../api/monitoring-service.js';
import { FilesystemArtifactStore } from '../../../core/artifacts/filesystem-store.js';
import { loadConfig } from '../../../core/config.js';
import { storeDatasetBytes } from '../../../core/datasets/store-dataset-version.js';
import { NotFoundError, SpecValidationError } from '../../../core/errors.js';
import { localSpoolDir, shipPredictionSpool } from '../../../core/monitoring/prediction-log/ship-prediction-spool.js';
import { writeSpoolSegment } from '../../support/prediction-log-fixture.js';
import { DIALECTS, useFreshStore } from '../metadata/dialects.js';
import { datasetSpec, newRun, projectSpec } from '../metadata/fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'kiln-monitoring-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const ROWS = 625;

for (const dialect of DIALECTS) {
  describe(`monitoring reports [${dialect.name}]`, () => {
    const ctx = useFreshStore(dialect);

    /**
     * Model `toy` v1 trained on a dataset whose feature `x` is 0…624 and label x mod 2; project
     * `toy` monitors it over 2 h. `served`: v1 is deployed.
     */
    async function setUp(served = true) {
      const dir = mkdtempSync(join(root, 'case-'));
      const artifacts = new FilesystemArtifactStore(join(dir, 'artifacts'));
      const spec = datasetSpec('toy');
      const csv = `x,label\n${Array.from({ length: ROWS }, (_, i) => `${i},${i % 2}`).join('\n')}\n`;
      const stored = await storeDatasetBytes(artifacts, spec, Buffer.from(csv));
      await ctx.store.datasets.upsert(spec);
      await ctx.store.datasets.recordVersion({
        id: stored.versionId,
        datasetName: 'toy',
        contentSha256: stored.manifest.content_sha256,
        split: stored.manifest.split,
        trainRows: stored.manifest.train_rows,
        testRows: stored.manifest.test_rows,
        artifactPrefix: stored.prefix,
      });
      await ctx.store.projects.upsert(projectSpec('toy', { dataset: 'toy', monitoring: { window: '2h', min_samples: 50, on_drift: 'retrain' } }));
      await ctx.store.runs.createRun(newRun('r1', { project: 'toy', modelName: 'toy' }));
      await ctx.store.models.register({
        modelName: 'toy',
        runId: 'r1',
        datasetVersion: stored.versionId,
        params: newRun('r1').params,
        metrics: { accuracy: 0.9 },
        artifactPrefix: 'runs/r1/train/model',
      });
      if (served)
        await ctx.store.models.recordDeployment({ id: 'toy-v1', modelName: 'toy', version: 1, url: 'http://127.0.0.1:1', port: 1, status: 'serving' });
      const activities = createMonitoringActivities({ metadata: ctx.store, artifacts, config: loadConfig({ home: dir }) } as unknown as ActivityDeps);
      const monitor = (windowEnd: Date) =>
        new MockActivityEnvironment().run(activities.writeMonitoringReport, { project: 'toy', model: 'toy', windowEnd: windowEnd.toISOString() });
      return { dir, artifacts, stored, monitor, activities, service: new MonitoringService({ metadata: ctx.store, artifacts }) };
    }

    /** Logs `count` predictions of v1 made at `ms` with inputs [first + i] and answers (first + i) mod 2. */
    async function logPredictions(dir: string, artifacts: FilesystemArtifactStore, ms: number, count: number, first: number) {
      const spool = localSpoolDir(join(dir, 'spool'), 'toy', 1);
      const ids = writeSpoolSegment(spool, ms, `at-${first}.jsonl`, count, { version: 1, first });
      await shipPredictionSpool(artifacts, { dir: spool, model: 'toy', version: 1 });
      return ids;
    }

    it('reports a window like the training data as stable, with live accuracy from feedback, and stores the reference profile', async () => {
      const { dir, artifacts, stored, monitor, service } = await setUp();
      const madeAt = Date.now() - 30 * 60_000;
      const ids = await logPredictions(dir, artifacts, madeAt, ROWS, 0);
      // Four labels: three agree with the answers (0, 1, 0), one does not.
      await ctx.store.feedback.record(
        [0, 1, 2, 3].map((i) => ({
          predictionId: ids[i]!,
          modelName: 'toy',
          version: 1,
          predictedAt: madeAt,
          prediction: i % 2,
          label: i === 3 ? 0 : i % 2,
          receivedBy: 'user:alice',
        })),
      );
      const outcome = await monitor(new Date());
      expect(outcome).toMatchObject({ status: 'reported', drifted: false, driftedFeatures: [], predictions: ROWS, onDrift: 'retrain' });
      expect(await artifacts.exists(`${stored.prefix}/profile.json`)).toBe(true);

      const view = await service.reports('toy');
      expect(view).toMatchObject({ model: 'toy', serving_version: 1 });
      const [report] = view.reports;
      expect(report).toMatchObject({ serving_version: 1, reference: { dataset: 'toy', version: stored.versionId }, drifted: false });
      expect(report!.features.map((f) => [f.feature, f.status])).toEqual([['x', 'stable']]);
      expect(report!.prediction_drift).toMatchObject({ feature: 'label', status: 'stable' });
      expect(report!.quality).toEqual({
        live: { task: 'classification', samples: 4, accuracy: 0.75, macro_f1: expect.any(Number), classes: ['0', '1'] },
        test_metrics: { accuracy: 0.9 },
      });
    });

    it('flags a shifted feature, and lists the newest window first', async () => {
      const { dir, artifacts, monitor, service } = await setUp();
      const now = Date.now();
      await logPredictions(dir, artifacts, now - 3 * 3_600_000, ROWS, 0);
      await monitor(new Date(now - 2 * 3_600_000));
      // Inputs far above anything in the training data.
      await logPredictions(dir, artifacts, now - 10 * 60_000, 300, 5000);
      expect(await monitor(new Date(now))).toMatchObject({ status: 'reported', drifted: true, driftedFeatures: ['x'] });
      const { reports } = await service.reports('toy');
      expect(reports.map((r) => [r.window.to, r.drifted])).toEqual([
        [new Date(now).toISOString(), true],
        [new Date(now - 2 * 3_600_000).toISOString(), false],
      ]);
      expect((await service.reports('toy', 1)).reports).toHaveLength(1);
    });

    it('a retrain started within the last window answers for a later drifted window: one run per drift, not per window', async () => {
      const { activities } = await setUp();
      const start = (windowEnd: string) => new MockActivityEnvironment().run(activities.startDriftRetrain, { project: 'toy', model: 'toy', windowEnd });
      // A drift run started at the fake clock's now; the project's window is 2 h.
      await ctx.store.runs.createRun(newRun('drift-1', { project: 'toy', modelName: 'toy', trigger: 'drift' }));
      const startedAt = (await ctx.store.runs.getRun('drift-1'))!.createdAt;
      expect(await start(new Date(startedAt + 15 * 60_000).toISOString())).toEqual({ runId: 'drift-1', existing: true });
      expect(await start(new Date(startedAt + 2 * 3_600_000).toISOString())).toEqual({ runId: 'drift-1', existing: true });
      // Past the window, a drift is a new one: it would start a run (this test has no Temporal to start it on).
      await expect(start(new Date(startedAt + 2 * 3_600_000 + 1).toISOString())).rejects.toThrow();
    });

    it('skips a model that is not served, and answers a 400 naming it for its reports; an unknown model is a 404', async () => {
      const { monitor, service } = await setUp(false);
      expect(await monitor(new Date())).toEqual({ status: 'skipped', reason: 'model toy is not served' });
      const refused = await service.reports('toy').catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(SpecValidationError);
      expect((refused as SpecValidationError).problems).toEqual([{ path: 'name', message: expect.stringContaining('model toy is not served') }]);
      expect(await service.reports('nope').catch((error: unknown) => error)).toEqual(new NotFoundError('model', 'nope'));
    });
  });
}
