import { readdir, rmdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactStore } from '../../artifacts/artifact-store.js';
import { hourStamp, segmentKey } from './prediction-keys.js';

/** A model server's spool directory and what it serves. */
export interface PredictionSpool {
  dir: string;
  model: string;
  version: number;
}

export interface ShipReport {
  segments: number;
  bytes: number;
  /** Segments that could not be stored this time: they stay in the spool for the next pass. */
  failed: number;
}

const HOUR_FOLDER = /^\d{4}-\d{2}-\d{2}T\d{2}$/;
const CLOSED_SEGMENT = /\.jsonl$/;

/**
 * Moves a spool's closed segments (`<hour>/<file>.jsonl`; the writer's open one ends in
 * `.part`) into the artifact store, deleting each once stored, and removes emptied hour
 * folders. A store that fails leaves the segment for the next pass; the model server, which
 * only appends to its spool, never waits on any of this.
 */
export async function shipPredictionSpool(store: ArtifactStore, spool: PredictionSpool): Promise<ShipReport> {
  const report: ShipReport = { segments: 0, bytes: 0, failed: 0 };
  for (const hour of (await entries(spool.dir)).filter((name) => HOUR_FOLDER.test(name)).sort()) {
    const folder = join(spool.dir, hour);
    const files = await entries(folder);
    let moved = 0;
    for (const file of files.filter((name) => CLOSED_SEGMENT.test(name)).sort()) {
      const path = join(folder, file);
      try {
        const { size } = await stat(path);
        await store.putFile(segmentKey(spool.model, spool.version, hour, file), path);
        await unlink(path);
        moved += 1;
        report.segments += 1;
        report.bytes += size;
      } catch {
        report.failed += 1;
      }
    }
    // The current hour's folder may get its next segment any moment: only older ones go.
    if (files.length === moved && hour < hourStamp(Date.now())) await rmdir(folder).catch(() => undefined);
  }
  return report;
}

/** Every spool under a root laid out `<model>/v<version>/` (the local platform's model servers). */
export async function spoolsUnder(root: string): Promise<PredictionSpool[]> {
  const spools: PredictionSpool[] = [];
  for (const model of await entries(root)) {
    for (const folder of await entries(join(root, model))) {
      const version = /^v(\d+)$/.exec(folder);
      if (version) spools.push({ dir: join(root, model, folder), model, version: Number(version[1]) });
    }
  }
  return spools;
}

/** The spool directory of a local model server. */
export function localSpoolDir(root: string, model: string, version: number): string {
  return join(root, model, `v${version}`);
}

async function entries(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}
