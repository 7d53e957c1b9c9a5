import type { EnvironmentRef } from '../activities/environments.js';
import type { StageName } from '../core/pipeline/stage-names.js';
import type { DatasetSpec } from '../core/specs/dataset.js';
import type { Hyperparameters } from '../core/specs/hyperparameters.js';
import type { ProjectSpec } from '../core/specs/project.js';
import type { TriggerKind } from '../core/specs/promotion.js';
import type { RunPolicy } from '../core/specs/run-policy.js';
import type { ScheduleSpec } from '../core/specs/schedule.js';

/** Everything a run needs, validated and resolved by the API before the workflow starts. */
export interface PipelineInput {
  runId: string;
  /** Project spec with `source_dir` made absolute. */
  project: ProjectSpec;
  /** Dataset spec with `path` made absolute. */
  dataset: DatasetSpec;
  environment: EnvironmentRef;
  params: Hyperparameters;
  policy: RunPolicy;
  /** Set when this run resumes a failed one (`kiln run resume`). */
  resume?: PipelineResume;
  /** Stage caching (RunRequest `cache`). Absent in older histories: on. */
  cache?: boolean;
  /**
   * Set when this run is a trial of a tuning experiment: it trains and evaluates with the
   * trial's params, and stops there (no gate, registry or serving).
   */
  trial?: {
    experimentId: string;
    index: number;
    /** Set by experiments that stop trials on pushed curves: the stages send this metric's stepped values. Absent in older histories. */
    reportCurve?: { metric: string };
  };
  /** Task queue for stages that use GPUs (Kubernetes executor); absent: the run's own queue. */
  gpuTaskQueue?: string;
  /** A stored source snapshot to train on (a workspace's), instead of snapshotting `source_dir`. */
  sourceSnapshot?: string;
  /** Why the run started. Absent in older histories and for experiment trials. */
  trigger?: RunTrigger;
}

export interface RunTrigger {
  kind: TriggerKind;
  /** The schedule that started the run (kind `schedule`). */
  schedule?: string;
  /** The dataset version whose arrival started the run (kind `new_data`): the run trains on exactly it. */
  datasetVersion?: string;
  /** The end of the monitoring window whose drift started the run (kind `drift`), ISO. */
  driftWindowEnd?: string;
}

/**
 * What a Temporal Schedule starts: the schedule's spec, resolved against the registered
 * project when it fires (so each run uses the project as it is then). The run id is the
 * workflow id the schedule gives (`sched-<name>-<nominal time>`).
 */
export interface ScheduledPipelineStart {
  scheduled: { schedule: string; spec: ScheduleSpec };
}

/** pipelineWorkflow's argument: a resolved run, or a scheduled start to resolve first. */
export type PipelineStart = PipelineInput | ScheduledPipelineStart;

export type CacheableStage = StageName;

/** A completed stage a run takes over instead of running it. */
export interface ReusedStage {
  /** The run whose artifact prefix holds the stage's outputs. */
  runId: string;
  /** Last value of each metric the stage logged. */
  metrics: Record<string, number>;
  /** The stage's cache key, when it recorded one: lets downstream stages hit the cache. */
  cacheKey?: string;
}

/** What a resumed run keeps from the run it resumes. */
export interface PipelineResume {
  fromRunId: string;
  /** The original's source snapshot and dataset version, reused rather than taken again. */
  sourceDigest?: string;
  datasetVersion?: string;
  /** The original's completed stages, up to its first failed or unfinished one. */
  stages: Partial<Record<CacheableStage, ReusedStage>>;
}
