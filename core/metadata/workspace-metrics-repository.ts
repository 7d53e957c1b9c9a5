import type { NotebookMetric } from '../workspaces/notebook-metrics.js';
import { inOneTransaction, type ConflictWrites, type KilnDb } from './conflict-writes.js';
import { numberOrNull } from './columns.js';
import type { WorkspaceMetricsTable } from './workspace-metrics-tables.js';

/** Where the next read of a workspace's metrics file starts. */
export interface MetricsFilePosition {
  /** Which file: one more each time the file was found replaced. */
  generation: number;
  /** Bytes of it already stored. */
  offset: number;
}

export interface MetricsReadState extends MetricsFilePosition {
  /** Lines skipped because they were not a valid point. */
  invalidLines: number;
}

export interface WorkspaceMetricRecord {
  name: string;
  value: number;
  step: number | null;
  epoch: number | null;
  /** When the notebook logged it (epoch ms). */
  loggedAt: number;
}

/** What a read found: its points, how many lines it skipped, and where the next read starts. */
export interface MetricsRead {
  points: readonly NotebookMetric[];
  invalid: number;
  next: MetricsFilePosition;
}

const START: MetricsReadState = { generation: 0, offset: 0, invalidLines: 0 };

/** Notebook metrics of workspaces, read from their metrics files (core/workspaces/notebook-metrics.ts). */
export class WorkspaceMetricsRepository {
  constructor(
    private readonly db: KilnDb,
    private readonly writes: ConflictWrites,
    private readonly now: () => number = Date.now,
  ) {}

  /** How far the workspace's file has been read (the start, before any read). */
  async readState(workspace: string): Promise<MetricsReadState> {
    const row = await this.db.selectFrom('workspace_metric_reads').selectAll().where('workspace', '=', workspace).executeTakeFirst();
    if (!row) return START;
    return { generation: Number(row.generation), offset: Number(row.read_offset), invalidLines: Number(row.invalid_lines) };
  }

  /**
   * Stores a read made from `from` and moves the read state to `read.next`, in one transaction.
   * Returns false and writes nothing when the state is no longer `from`: another attempt (a
   * retried activity) stored these lines first. Rows are keyed by their line's place in the
   * file, so even two attempts racing past that check store each line once.
   */
  async store(workspace: string, from: MetricsFilePosition, read: MetricsRead): Promise<boolean> {
    return inOneTransaction(this.db, async (trx) => {
      const row = await trx.selectFrom('workspace_metric_reads').selectAll().where('workspace', '=', workspace).executeTakeFirst();
      const current = row ? { generation: Number(row.generation), offset: Number(row.read_offset) } : START;
      if (current.generation !== from.generation || current.offset !== from.offset) return false;
      for (const point of read.points) {
        const metric: WorkspaceMetricsTable = {
          workspace,
          generation: read.next.generation,
          line_offset: point.offset,
          name: point.name,
          value: point.value,
          step: point.step ?? null,
          epoch: point.epoch ?? null,
          logged_at: point.time,
        };
        await this.writes.insertIfAbsent(trx, 'workspace_metrics', metric, { key: ['workspace', 'generation', 'line_offset'] });
      }
      const invalidLines = (row ? Number(row.invalid_lines) : 0) + read.invalid;
      await this.writes.upsert(
        trx,
        'workspace_metric_reads',
        { workspace, generation: read.next.generation, read_offset: read.next.offset, invalid_lines: invalidLines, updated_at: this.now() },
        { key: ['workspace'], update: ['generation', 'read_offset', 'invalid_lines', 'updated_at'] },
      );
      return true;
    });
  }

  /** The workspace's points in the order they were logged, optionally of one name. */
  async list(workspace: string, name?: string): Promise<WorkspaceMetricRecord[]> {
    let query = this.db.selectFrom('workspace_metrics').selectAll().where('workspace', '=', workspace);
    if (name !== undefined) query = query.where('name', '=', name);
    const rows = await query.orderBy('generation').orderBy('line_offset').execute();
    return rows.map((row) => ({
      name: row.name,
      value: Number(row.value),
      step: numberOrNull(row.step),
      epoch: numberOrNull(row.epoch),
      loggedAt: Number(row.logged_at),
    }));
  }

  /** Forgets the workspace's points and read state (it is being deleted). */
  async delete(workspace: string): Promise<void> {
    await inOneTransaction(this.db, async (trx) => {
      await trx.deleteFrom('workspace_metrics').where('workspace', '=', workspace).execute();
      await trx.deleteFrom('workspace_metric_reads').where('workspace', '=', workspace).execute();
    });
  }
}
