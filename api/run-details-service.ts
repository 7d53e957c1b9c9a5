import type { ArtifactStore } from '../core/artifacts/artifact-store.js';
import { stageLiveLog, stageLogKey } from '../core/artifacts/artifact-keys.js';
import { NotFoundError } from '../core/errors.js';
import type { MetadataStore } from '../core/metadata/metadata-store.js';
import type { MetricRecord } from '../core/metadata/metrics-repository.js';
import type { StageName } from '../core/pipeline/stage-names.js';

/** Most bytes of a log answered at once: the tail, which is what a person reads first. */
export const LOG_TAIL_BYTES = 256 * 1024;

export interface RunDetailsServiceOptions {
  metadata: MetadataStore;
  /** Where stage logs are stored; absent: logs are reported as not found. */
  artifacts?: ArtifactStore;
}

/** A stored stage log, or its last `LOG_TAIL_BYTES` when longer. */
export interface StageLog {
  run_id: string;
  stage: string;
  attempt: number;
  text: string;
  /** Bytes of the whole log; more than `text` holds when it was cut to its tail. */
  size: number;
  truncated: boolean;
  /** The attempt is still running: `text` is its log so far (its tail), refreshed every few seconds. */
  live: boolean;
}

/** What the console shows of one run besides its progress: every metric point and stage logs. */
export class RunDetailsService {
  constructor(private readonly options: RunDetailsServiceOptions) {}

  /** Every metric point the run's stages logged, by stage, name and step (404 for an unknown run). */
  async metrics(runId: string): Promise<{ run_id: string; points: MetricRecord[] }> {
    if (!(await this.options.metadata.runs.getRun(runId))) throw new NotFoundError('run', runId);
    return { run_id: runId, points: await this.options.metadata.metrics.forRun(runId) };
  }

  /** The stored log of an attempt (default: the stage's last recorded attempt); while it runs, its live tail. */
  async log(runId: string, stage: StageName, attempt?: number): Promise<StageLog> {
    const attempts = (await this.options.metadata.attempts.list(runId)).filter((a) => a.stage === stage);
    const chosen = attempt ?? Math.max(0, ...attempts.map((a) => a.attempt));
    const { artifacts } = this.options;
    const missing = new NotFoundError('log', `${runId}/${stage}/${attempt ?? 'last'}`);
    if (!artifacts || chosen === 0) throw missing;
    for (const [key, live] of [
      [stageLogKey(runId, stage, chosen), false],
      [stageLiveLog(runId, stage, chosen).key, true],
    ] as const) {
      if (await artifacts.exists(key)) return { run_id: runId, stage, attempt: chosen, live, ...(await storedLogTail(artifacts, key)) };
    }
    throw missing;
  }
}

/** A stored log as text: the whole of it, or its last `LOG_TAIL_BYTES` when longer. */
export async function storedLogTail(artifacts: ArtifactStore, key: string): Promise<{ text: string; size: number; truncated: boolean }> {
  const whole = await artifacts.getBuffer(key);
  const truncated = whole.length > LOG_TAIL_BYTES;
  const text = (truncated ? whole.subarray(whole.length - LOG_TAIL_BYTES) : whole).toString('utf8');
  return { text, size: whole.length, truncated };
}
