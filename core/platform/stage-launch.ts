import { checkpointPrefix } from '../artifacts/artifact-keys.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import type { CheckpointRef } from '../checkpoints/checkpoint-ref.js';
import { findLatestCheckpoint } from '../checkpoints/checkpoint-restore.js';
import type { StageProcessSpec } from '../executors/executor.js';
import { stepOf } from '../pipeline/stage-attempt.js';
import type { StageName } from '../pipeline/stage-names.js';
import type { Hyperparameters } from '../specs/hyperparameters.js';

/** The stage attempt to launch, as runStage's input names it. */
export interface StageAttemptInput {
  runId: string;
  stage: StageName;
  /** Recorded under this name instead of `stage` (stepOf). */
  step?: string;
  entrypoint: string;
  sourceDigest: string;
  datasetPrefix: string;
  environmentDigest: string;
  params: Hyperparameters;
  timeoutSeconds: number;
  /** A retry starts from the latest checkpoint (default false). */
  autoResume?: boolean;
  /** Labels the stage's objects where the platform has any; default the run id. */
  project?: string;
  /** Limits, for platforms that enforce them; default no GPU and no limits. */
  resources?: { cpu?: string; memory?: string; gpus: number };
  /** Modules the stage may find preloaded (core/pipeline/warm-imports.ts); absent: a cold start. */
  warmImports?: string[];
}

export interface StageLaunchRequest {
  input: StageAttemptInput;
  attempt: number;
  /** The checkpoint the previous attempt heartbeated, if any. */
  heartbeated: CheckpointRef | undefined;
  /** Upstream stage name → artifact prefix of its outputs. */
  upstream: Record<string, string>;
}

/** One attempt, ready for the executor: how to start it, and its checkpoints and outputs around it. */
export interface StageLaunch {
  spec: Omit<StageProcessSpec, 'signal'>;
  /** The checkpoint this attempt resumes from (auto_resume retries only). */
  resumed: CheckpointRef | undefined;
  /** The newest checkpoint in the store; `sync` looks again, `finish` once the stage has ended. */
  checkpoints: { readonly latest: CheckpointRef | undefined; sync(): Promise<CheckpointRef | undefined>; finish(): Promise<CheckpointRef | undefined> };
  /** After a successful exit: puts the outputs in the store (a remote executor's pod already did). */
  storeOutputs(): Promise<unknown>;
  /** After success: frees the local workspace. A failed attempt's stays for inspection. */
  cleanUp(): void;
}

/** Stage I/O: where an attempt's inputs are fetched, and its checkpoints and outputs stored, from. */
export interface StageLauncher {
  launch(request: StageLaunchRequest): Promise<StageLaunch>;
}

/** The newest stored checkpoint, for attempts that resume (auto_resume and attempt > 1). */
export async function resumePoint(artifacts: ArtifactStore, { input, attempt, heartbeated }: StageLaunchRequest): Promise<CheckpointRef | undefined> {
  if (!input.autoResume || attempt === 1) return undefined;
  return findLatestCheckpoint(artifacts, checkpointPrefix(input.runId, stepOf(input)), heartbeated);
}
