import type { MetricPoint } from '../runner/metric-line.js';
import { inOneTransaction, type ConflictWrites, type KilnDb } from './conflict-writes.js';
import { numberOrNull } from './columns.js';
import type { MetricsTable } from './tables.js';

export interface MetricRecord {
  runId: string;
  stage: string;
  name: string;
  step: number | null;
  epoch: number | null;
  value: number;
  recordedAt: number;
}

/** Stored in place of a missing step: the unique key needs a value on every dialect. */
const NO_STEP = -1;

/**
 * Metric points of run stages, one row per (run, stage, name, step). A point without a step
 * replaces the stage's previous stepless value of that name: that is the "final value" idiom.
 */
export class MetricsRepository {
  constructor(
    private readonly db: KilnDb,
    private readonly writes: ConflictWrites,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Records points of one stage. Idempotent: a retried activity re-recording the same points
   * overwrites them rather than adding rows. Within one call the later of two points with
   * the same name and step wins.
   */
  async recordMany(runId: string, stage: string, points: readonly MetricPoint[]): Promise<void> {
    const latest = new Map<string, MetricPoint>();
    for (const point of points) latest.set(`${point.step ?? NO_STEP}\u0000${point.name}`, point);
    if (latest.size === 0) return;
    const recordedAt = this.now();
    // One transaction: SQLite commits once instead of once per point, and readers see all or none.
    await inOneTransaction(this.db, async (trx) => {
      for (const point of latest.values()) {
        const row: MetricsTable = {
          run_id: runId,
          stage,
          name: point.name,
          step: point.step ?? NO_STEP,
          epoch: point.epoch ?? null,
          value: point.value,
          recorded_at: recordedAt,
        };
        await this.writes.upsert(trx, 'metrics', row, {
          key: ['run_id', 'stage', 'name', 'step'],
          update: ['epoch', 'value', 'recorded_at'],
        });
      }
    });
  }

  /** Every point of a run, by stage, name and step (stepless points first). */
  async forRun(runId: string): Promise<MetricRecord[]> {
    const rows = await this.db.selectFrom('metrics').selectAll().where('run_id', '=', runId).orderBy('stage').orderBy('name').orderBy('step').execute();
    return rows.map(toMetric);
  }

  /** Each metric's value at its highest step in one stage (a stepless value counts as the lowest). */
  async latestByName(runId: string, stage: string): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('metrics')
      .select(['name', 'value'])
      .where('run_id', '=', runId)
      .where('stage', '=', stage)
      .orderBy('name')
      .orderBy('step')
      .execute();
    // Through a Map: metric names are user input, and `latest["__proto__"] = …` would not add a key.
    const latest = new Map<string, number>();
    for (const row of rows) latest.set(row.name, Number(row.value));
    return Object.fromEntries(latest);
  }
}

function toMetric(row: MetricsTable): MetricRecord {
  const step = Number(row.step);
  return {
    runId: row.run_id,
    stage: row.stage,
    name: row.name,
    step: step === NO_STEP ? null : step,
    epoch: numberOrNull(row.epoch),
    value: Number(row.value),
    recordedAt: Number(row.recorded_at),
  };
}
