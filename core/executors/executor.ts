/**
 * Runs one stage command and reports how it ended. Implementations: local/local-executor.ts
 * (a process group on this machine); Kubernetes Jobs later. Chosen in create-executor.ts.
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
}

export interface ExecutorCapabilities {
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
}

export interface StageObserver {
  /** Each output line (without newline, CRLF-aware), in order per stream; very long lines arrive in pieces. */
  onLine(line: string, stream: 'stdout' | 'stderr'): void;
  /** Called once the process is running. */
  onStart?(info: { pid: number; startedAt: Date }): void;
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
  startedAt: Date;
  finishedAt: Date;
  /** Wall time of the process itself, from spawn to exit. */
  durationMs: number;
}
