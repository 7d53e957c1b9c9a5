import { z } from 'zod';
import { parseJsonColumn } from './columns.js';
import type { ConflictWrites, KilnDb } from './conflict-writes.js';
import type { StageCacheTable } from './tables.js';

export interface StageCacheEntry {
  /** Hex sha256 of everything that determined the stage's outputs. */
  key: string;
  /** The run whose stage produced the outputs. */
  runId: string;
  stage: string;
  outputPrefix: string;
  /** Last value of each metric the stage logged. */
  metrics: Record<string, number>;
  createdAt: number;
}

const Metrics = z.record(z.string(), z.number());

/** Completed stages by cache key. The first run to complete a key keeps it: writes never replace. */
export class StageCacheRepository {
  constructor(
    private readonly db: KilnDb,
    private readonly writes: ConflictWrites,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a completed stage; a key already present is left as it is. */
  async record(entry: Omit<StageCacheEntry, 'createdAt'>): Promise<StageCacheEntry> {
    const row: StageCacheTable = {
      cache_key: entry.key,
      run_id: entry.runId,
      stage: entry.stage,
      output_prefix: entry.outputPrefix,
      metrics_json: JSON.stringify(entry.metrics),
      created_at: this.now(),
    };
    await this.writes.insertIfAbsent(this.db, 'stage_cache', row, { key: ['cache_key'] });
    return (await this.get(entry.key))!;
  }

  async get(key: string): Promise<StageCacheEntry | undefined> {
    const row = await this.db.selectFrom('stage_cache').selectAll().where('cache_key', '=', key).executeTakeFirst();
    return row && toEntry(row);
  }

  /** The entry a run's stage wrote, if it wrote one. */
  async findByRunStage(runId: string, stage: string): Promise<StageCacheEntry | undefined> {
    const row = await this.db.selectFrom('stage_cache').selectAll().where('run_id', '=', runId).where('stage', '=', stage).executeTakeFirst();
    return row && toEntry(row);
  }
}

function toEntry(row: StageCacheTable): StageCacheEntry {
  return {
    key: row.cache_key,
    runId: row.run_id,
    stage: row.stage,
    outputPrefix: row.output_prefix,
    metrics: parseJsonColumn(Metrics, row.metrics_json, `stage_cache.metrics_json of "${row.cache_key}"`),
    createdAt: Number(row.created_at),
  };
}
