/**
 * Prediction logs between the spool and the artifact store, on the real filesystem store:
 * shipping closed segments, reading a window, finding predictions by id, retention.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactStore } from '../../../core/artifacts/artifact-store.js';
import { FilesystemArtifactStore } from '../../../core/artifacts/filesystem-store.js';
import { startLogShipping } from '../../../core/monitoring/prediction-log/log-shipping.js';
import { hourStamp, hoursBetween } from '../../../core/monitoring/prediction-log/prediction-keys.js';
import { expirePredictions, findPredictions, readPredictions } from '../../../core/monitoring/prediction-log/read-predictions.js';
import { localSpoolDir, shipPredictionSpool, spoolsUnder } from '../../../core/monitoring/prediction-log/ship-prediction-spool.js';
import { predictionIdAt, writeSpoolSegment } from '../../support/prediction-log-fixture.js';

let root: string;
let store: FilesystemArtifactStore;
let spoolRoot: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kiln-predstore-'));
  store = new FilesystemArtifactStore(join(root, 'artifacts'));
  spoolRoot = join(root, 'spool');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const HOUR = 3_600_000;
const idAt = predictionIdAt;
const writeSegment = (dir: string, ms: number, name: string, count: number, version = 1, first = 0) =>
  writeSpoolSegment(dir, ms, name, count, { version, first });

describe('shipping a spool', () => {
  it('stores closed segments under model, version and hour, and removes them and emptied past hours from the spool', async () => {
    const dir = localSpoolDir(spoolRoot, 'iris', 3);
    const past = Date.now() - 5 * HOUR;
    writeSegment(dir, past, '1-a.jsonl', 2, 3);
    writeSegment(dir, Date.now(), '1-b.jsonl', 3, 3);
    writeSegment(dir, Date.now(), '1-c.jsonl.part', 1, 3);
    expect(await spoolsUnder(spoolRoot)).toEqual([{ dir, model: 'iris', version: 3 }]);
    expect(await shipPredictionSpool(store, { dir, model: 'iris', version: 3 })).toMatchObject({ segments: 2, failed: 0 });
    const pastHour = hourStamp(past);
    expect(await store.list('predictions/iris')).toEqual([
      `predictions/iris/v3/${pastHour.slice(0, 10)}/${pastHour.slice(11)}/1-a.jsonl`,
      `predictions/iris/v3/${hourStamp(Date.now()).slice(0, 10)}/${hourStamp(Date.now()).slice(11)}/1-b.jsonl`,
    ]);
    // The open segment stays; so does the current hour's folder.
    expect(readdirSync(dir)).toEqual([hourStamp(Date.now())]);
    expect(readdirSync(join(dir, hourStamp(Date.now())))).toEqual(['1-c.jsonl.part']);
  });

  it('keeps a segment the store refused, and ships it on a later pass', async () => {
    const dir = localSpoolDir(spoolRoot, 'iris', 1);
    writeSegment(dir, Date.now(), 's.jsonl', 2);
    const refusing: ArtifactStore = Object.assign(Object.create(store) as FilesystemArtifactStore, {
      putFile: async () => {
        throw new Error('store down');
      },
    });
    const shipping = startLogShipping({ store: refusing, spools: () => spoolsUnder(spoolRoot), retentionDays: 30, intervalMs: 60_000 });
    expect(await shipping.shipNow()).toEqual({ segments: 0, failed: 1 });
    await shipping.stop();
    const working = startLogShipping({ store, spools: () => spoolsUnder(spoolRoot), retentionDays: 30, intervalMs: 60_000 });
    expect(await working.shipNow()).toEqual({ segments: 1, failed: 0 });
    await working.stop();
    expect(await store.list('predictions/iris')).toHaveLength(1);
  });
});

describe('reading logged predictions', () => {
  it('reads a window across hours and versions, oldest first, and only within it', async () => {
    const now = Date.now();
    const dir1 = localSpoolDir(spoolRoot, 'iris', 1);
    const dir2 = localSpoolDir(spoolRoot, 'iris', 2);
    writeSegment(dir1, now - 3 * HOUR, 'old.jsonl', 2, 1);
    const earlier = writeSegment(dir1, now - HOUR, 'a.jsonl', 2, 1, 10);
    const later = writeSegment(dir2, now - 1_000, 'b.jsonl', 3, 2, 20);
    for (const spool of await spoolsUnder(spoolRoot)) await shipPredictionSpool(store, spool);
    const window = { from: new Date(now - 2 * HOUR), to: new Date(now) };
    const read = await readPredictions(store, 'iris', [1, 2], window);
    expect(read.map((r) => r.id)).toEqual([...earlier, ...later]);
    expect(read[0]).toEqual({ id: earlier[0], ts: (now - HOUR) / 1000, input: [10], prediction: 0, version: 1 });
    expect(await readPredictions(store, 'iris', [2], window)).toHaveLength(3);
    expect(hoursBetween(window.from, window.to)).toHaveLength(3);
  });

  it('finds predictions by id, reading only their hours; unknown and malformed ids are absent', async () => {
    const dir = localSpoolDir(spoolRoot, 'iris', 4);
    const ids = writeSegment(dir, Date.now() - 2 * HOUR, 's.jsonl', 5, 4);
    await shipPredictionSpool(store, { dir, model: 'iris', version: 4 });
    const found = await findPredictions(store, 'iris', [ids[1]!, ids[4]!, idAt(4, Date.now(), 99), 'not-an-id']);
    expect([...found.keys()]).toEqual([ids[1], ids[4]]);
    expect(found.get(ids[4]!)?.input).toEqual([4]);
  });

  it('retention deletes whole hours older than the cutoff and nothing newer', async () => {
    const now = Date.now();
    const dir = localSpoolDir(spoolRoot, 'iris', 1);
    writeSegment(dir, now - 48 * HOUR, 'old.jsonl', 1);
    writeSegment(dir, now - 47 * HOUR, 'old2.jsonl', 1);
    writeSegment(dir, now - HOUR, 'new.jsonl', 1);
    await shipPredictionSpool(store, { dir, model: 'iris', version: 1 });
    expect(await expirePredictions(store, 'iris', new Date(now - 24 * HOUR))).toBe(2);
    expect((await store.list('predictions/iris')).map((k) => k.split('/').at(-1))).toEqual(['new.jsonl']);
  });
});
