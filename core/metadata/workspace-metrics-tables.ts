/** A point a notebook logged, from its workspace's metrics file (migration 0010). */
export interface WorkspaceMetricsTable {
  workspace: string;
  /** Which file: one more each time the file was found replaced (shorter than what was read). */
  generation: number;
  /** Where its line starts in the file: with the generation, what makes it stored once. */
  line_offset: number;
  name: string;
  value: number;
  step: number | null;
  epoch: number | null;
  /** When the notebook logged it (epoch ms). */
  logged_at: number;
}

/** How far a workspace's metrics file has been read (migration 0010). */
export interface WorkspaceMetricReadsTable {
  workspace: string;
  generation: number;
  read_offset: number;
  /** Lines skipped because they were not a valid point. */
  invalid_lines: number;
  updated_at: number;
}
