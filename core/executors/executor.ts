/**
 * Runs one stage command and reports how it ended. Implementations: local/local-executor.ts
 * (a process group on this machine), kubernetes/kubernetes-executor.ts (a Job). Each Platform
 * (core/platform/) holds one.
 */
export interface StageExecutor {
  readonly capabilities: ExecutorCapabilities;
  /**
   * Resolves once the stage's main process has exited and its output has been delivered. The
   * stage ends with that process: anything it started and left running is killed. An already
   * aborted `spec.signal` resolves `cancelled` without starting anything. Rejects with
   * EnvironmentUnavailableError (field `command` or `workingDirectory`) when the process cannot
   * start, SpecValidationError for an unusable spec, or the error an observer callback threw.
   */
  run(spec: StageProcessSpec, observer: StageObserver): Promise<StageExit>;
  /** Releases what the executor keeps between stages (the local one's fork servers). Optional. */
  close?(): void;
}

export interface ExecutorCapabilities {
  /**
   * Where the stage's files live. `local`: the caller prepares the workspace on this machine
   * and stores the outputs. `remote`: the executor's own init step fetches the inputs named
   * in `spec.placement` and its sidecar stores outputs and checkpoints (Kubernetes pods).
   */
  workspace: 'local' | 'remote';
  /** Can give a stage GPUs. */
  supportsGpu: boolean;
  /** Enforces the environment's cpu/memory limits (the local executor only records them). */
  enforcesResourceLimits: boolean;
}

export interface StageProcessSpec {
  /** Readable id used in logs and labels, e.g. `<runId>/train/1`. */
  id: string;
  /** argv; argv[0] is resolved against env.PATH. */
  command: string[];
  workingDirectory: string;
  /** The complete environment of the process (nothing is inherited implicitly). */
  env: Record<string, string>;
  /** Wall-clock limit; when exceeded the whole process group is killed and `timedOut` is set. */
  timeoutMs: number;
  /** Cancels the stage: the whole process group is killed and `cancelled` is set. */
  signal?: AbortSignal;
  /**
   * Warm start: the command is `python -m <module>` and may instead be forked from a server of
   * this environment that has imported these modules once (local executor; others ignore it).
   * The process sees the same environment, working directory, descriptors and signals either way.
   */
  warmImports?: readonly string[];
  /** What a `remote` executor needs to run the stage elsewhere; ignored by local ones. */
  placement?: StagePlacement;
}

/** A stage attempt as a remote executor launches it: identity, image, resources, and its inputs and outputs in the artifact store. */
export interface StagePlacement {
  project: string;
  runId: string;
  /** The run-contract stage (KILN_STAGE). */
  stage: string;
  /** The name the attempt is recorded under when it differs from `stage` (the champion's evaluation); names the Job. */
  step?: string;
  attempt: number;
  /** The environment's image, and its spec digest (for labels). */
  image: string;
  environmentDigest: string;
  resources: { cpu?: string; memory?: string; gpus: number };
  /** JSON handed to the init container: what to fetch (see core/runner/stage-io.ts). */
  io: StageIoPlan;
}

/** What the pod's init container fetches and its sidecar stores, by artifact key. */
export interface StageIoPlan {
  sourceDigest: string;
  datasetPrefix: string;
  /** Upstream stage name → artifact prefix of its outputs. */
  upstream: Record<string, string>;
  params: unknown;
  outputPrefix: string;
  checkpointPrefix: string;
  /** Checkpoint to restore into the resume directory before the stage starts. */
  resumeCheckpointKey?: string;
}

export interface StageObserver {
  /** Each output line (without newline, CRLF-aware), in order per stream; very long lines arrive in pieces. */
  onLine(line: string, stream: 'stdout' | 'stderr'): void;
  /** Called once the process is running (pid 0 when it runs elsewhere). */
  onStart?(info: { pid: number; startedAt: Date }): void;
  /** The stage is waiting to start, and why ("waiting for GPU: 0/2 nodes …"); remote executors only. */
  onPending?(reason: string): void;
}

export interface StageExit {
  /** null when killed by a signal. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  /**
   * The platform says the out-of-memory killer ended it (the cgroup's oom_kill counter rose;
   * a pod's OOMKilled state). Absent when the executor cannot tell.
   */
  oomKilled?: boolean;
  /** How the platform ended it, in its own words, when it says more than the exit code (pod messages). */
  platformMessage?: string;
  /** A platform failure that is not the process's doing. */
  platformFailure?: 'image_pull_failure' | 'evicted';
  startedAt: Date;
  finishedAt: Date;
  /** Wall time of the process itself, from spawn to exit. */
  durationMs: number;
}
