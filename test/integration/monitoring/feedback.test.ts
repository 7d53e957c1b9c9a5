/**
 * `POST /v1/models/{name}/feedback`'s service on every metadata dialect and the real filesystem
 * store: labels are checked against the prediction log, then stored with what the model
 * answered; a bad item refuses the whole request and records nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FeedbackService } from '../../../api/feedback-service.js';
import { FilesystemArtifactStore } from '../../../core/artifacts/filesystem-store.js';
import { NotFoundError, SpecValidationError } from '../../../core/errors.js';
import { localSpoolDir, shipPredictionSpool } from '../../../core/monitoring/prediction-log/ship-prediction-spool.js';
import { predictionIdAt, writeSpoolSegment } from '../../support/prediction-log-fixture.js';
import { DIALECTS, useFreshStore } from '../metadata/dialects.js';
import { newRun } from '../metadata/fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'kiln-feedback-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const HOUR = 3_600_000;

for (const dialect of DIALECTS) {
  describe(`prediction feedback [${dialect.name}]`, () => {
    const ctx = useFreshStore(dialect);

    /** Model `toy` v2 with 4 logged predictions an hour ago (answers 0, 1, 0, 1) and one string answer. */
    async function setUp() {
      const dir = mkdtempSync(join(root, 'case-'));
      const artifacts = new FilesystemArtifactStore(join(dir, 'artifacts'));
      const spool = localSpoolDir(join(dir, 'spool'), 'toy', 2);
      const madeAt = Date.now() - HOUR;
      const ids = writeSpoolSegment(spool, madeAt, 'a.jsonl', 4, { version: 2 });
      const [named] = writeSpoolSegment(spool, madeAt, 'b.jsonl', 1, { version: 2, first: 10, predictionOf: () => 'benign' });
      await shipPredictionSpool(artifacts, { dir: spool, model: 'toy', version: 2 });
      await ctx.store.runs.createRun(newRun('r1'));
      await ctx.store.models.register({
        modelName: 'toy',
        runId: 'r1',
        params: newRun('r1').params,
        metrics: { accuracy: 0.9 },
        artifactPrefix: 'runs/r1/train/model',
      });
      const service = new FeedbackService({ metadata: ctx.store, artifacts });
      const window = () => ctx.store.feedback.forWindow('toy', madeAt - HOUR, Date.now());
      return { service, ids, named: named!, madeAt, window };
    }

    it('stores each label with the prediction it labels; a second label replaces the first', async () => {
      const { service, ids, madeAt, window } = await setUp();
      expect(
        await service.record(
          'toy',
          [
            { prediction_id: ids[0]!, label: 0 },
            { prediction_id: ids[1]!, label: 0 },
          ],
          'user:alice',
        ),
      ).toEqual({ model: 'toy', recorded: 2 });
      expect((await window()).map((f) => [f.predictionId, f.version, f.predictedAt, f.prediction, f.label, f.receivedBy])).toEqual([
        [ids[0], 2, madeAt, 0, 0, 'user:alice'],
        [ids[1], 2, madeAt, 1, 0, 'user:alice'],
      ]);
      await service.record('toy', [{ prediction_id: ids[1]!, label: 1 }], 'user:bob');
      expect((await window()).map((f) => [f.label, f.receivedBy])).toEqual([
        [0, 'user:alice'],
        [1, 'user:bob'],
      ]);
    });

    it('refuses an id the log does not hold, naming the item, and records nothing', async () => {
      const { service, ids, madeAt, window } = await setUp();
      const unknown = predictionIdAt(2, madeAt, 999);
      const refused = await service
        .record(
          'toy',
          [
            { prediction_id: ids[0]!, label: 0 },
            { prediction_id: unknown, label: 1 },
            { prediction_id: 'nonsense', label: 1 },
          ],
          'user:alice',
        )
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(SpecValidationError);
      expect((refused as SpecValidationError).problems.map((p) => p.path)).toEqual(['[1].prediction_id', '[2].prediction_id']);
      expect(await window()).toEqual([]);
    });

    it('refuses a label of another type than the prediction, naming the item, and records nothing', async () => {
      const { service, ids, named, window } = await setUp();
      const refused = await service
        .record(
          'toy',
          [
            { prediction_id: named, label: 'malignant' },
            { prediction_id: ids[2]!, label: 'one' },
          ],
          'user:alice',
        )
        .catch((e: unknown) => e);
      expect((refused as SpecValidationError).problems).toEqual([{ path: '[1].label', message: 'expected a number, like the prediction it labels (0)' }]);
      expect(await window()).toEqual([]);
    });

    it('answers 404 for a model that does not exist', async () => {
      const { service, ids } = await setUp();
      await expect(service.record('nope', [{ prediction_id: ids[0]!, label: 0 }], 'user:alice')).rejects.toBeInstanceOf(NotFoundError);
    });
  });
}
