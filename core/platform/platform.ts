import type { StageExecutor } from '../executors/executor.js';
import type { PredictionSpool } from '../monitoring/prediction-log/ship-prediction-spool.js';
import type { EnvironmentSpec } from '../specs/environment.js';
import type { WorkspaceHosting } from '../workspaces/workspace-hosting.js';
import type { StageLauncher } from './stage-launch.js';

/**
 * Where stages run, environments are built and models are served: this machine (local/) or a
 * Kubernetes cluster (kubernetes/). Chosen once at start-up (choose-platform.ts); activities get
 * it through their deps and never ask which one it is.
 */
export interface Platform {
  /** The registration name (`local`, `kubernetes`), for messages only: never branch on it. */
  readonly name: string;
  readonly capabilities: PlatformCapabilities;
  /** Runs stage processes. */
  readonly executor: StageExecutor;
  /** Prepares one stage attempt for the executor: its inputs, checkpoints and outputs. */
  readonly stages: StageLauncher;
  /** Builds environments: venvs on this machine, images in a cluster's registry. */
  readonly environments: EnvironmentBuilder;
  /** Rolls a model version out and keeps it serving. */
  readonly serving: ModelServing;
  /** Runs workspaces' interactive servers and keeps their files. */
  readonly workspaces: WorkspaceHosting;
}

export interface PlatformCapabilities {
  /** GPUs stages may hold at once: the GPU task queue's worker slots. 0 (default): no GPU queue. */
  gpuSlots: number;
}

export interface EnvironmentBuildOptions {
  /** Aborting stops the build (kills uv, deletes the build Job). */
  signal?: AbortSignal;
  /** Each line of the build's output, while it runs. */
  onLine?(line: string): void;
}

export interface BuiltEnvironmentRef {
  /** Where stages find it: the venv directory, or the image reference. Recorded as the build's venv path. */
  location: string;
  /** The interpreter stages run (`python` on the image's PATH in a cluster). */
  pythonExecutable: string;
  pythonVersion: string;
  /** Time this call took (0 when the environment already existed). */
  durationMs: number;
  /** Nothing was built: it existed, or another caller's build was joined. */
  reused: boolean;
  /** The image, when the environment is one. */
  image?: string;
}

/** Builds an environment once per spec digest, however many runs ask. */
export interface EnvironmentBuilder {
  build(spec: EnvironmentSpec, digest: string, options: EnvironmentBuildOptions): Promise<BuiltEnvironmentRef>;
  /**
   * Whether an environment recorded as built can run stages here: present on this machine
   * (local), or always (images in a registry every node pulls from).
   */
  isAvailable(digest: string): boolean;
}

export interface ModelServing {
  /** Serves `version` of the model in place of the current one, without downtime; idempotent. */
  deploy(request: { modelName: string; version: number }, signal?: AbortSignal): Promise<{ url: string; deploymentId: string }>;
  /**
   * Starts `version` beside the serving one, as a rollout's challenger (shadow or canary); the
   * serving version is untouched. Idempotent: a healthy candidate is returned as it is.
   */
  startCandidate(request: { modelName: string; version: number }, signal?: AbortSignal): Promise<{ url: string; deploymentId: string }>;
  /** Stops a candidate started by startCandidate; one already gone is fine. */
  stopCandidate(request: { modelName: string; version: number }): Promise<void>;
  /** Relaunches the servers this worker's stack owns after a restart; none where the platform keeps them running. */
  restoreAll(): Promise<string[]>;
  /** Stops the servers this worker's stack owns (their records stay, for restoreAll); none where the platform keeps them. */
  stopAll(): Promise<void>;
  /** The prediction-log spools this worker ships to the artifact store; none where each server ships its own (a pod's sidecar). */
  predictionSpools(): Promise<PredictionSpool[]>;
}
