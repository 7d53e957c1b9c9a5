import { stat } from 'node:fs/promises';
import { EnvironmentUnavailableError, SpecValidationError } from '../../errors.js';
import type { ExecutorCapabilities, StageExecutor, StageExit, StageObserver, StageProcessSpec } from '../executor.js';
import { ForkServerPool } from './fork-server-pool.js';
import { readOomKillCount } from './oom-kill-counter.js';
import { runProcessGroup, type ProcessGroupRunOptions } from './process-group-run.js';

export interface LocalExecutorOptions {
  /** How long a stopped stage gets between SIGTERM and SIGKILL; also the bound on reaping leftovers. Default 2000 ms. */
  killGraceMs?: number;
  /** Output lines longer than this many bytes are delivered in pieces. Default 64 KiB. */
  maxLineBytes?: number;
  /**
   * Directory where each running stage's process group is recorded (`<pgid>.json`, see
   * running-groups.ts) until it ends, so a worker that dies does not leave it running
   * unnoticed. Default: not recorded.
   */
  runningDir?: string;
  /**
   * Warm starts: where fork servers' sockets go. A stage whose spec names `warmImports` is
   * forked from its environment's server (started on first use, stopped by close() or after
   * `warmIdleSeconds` idle). Default: every stage starts cold.
   */
  warmStartDir?: string;
  /** Idle time after which a fork server exits. Default 600 s. */
  warmIdleSeconds?: number;
}

/**
 * Runs each stage as its own process group on this machine, so a timeout or cancel kills
 * the command and everything it started. Resource limits are recorded, not enforced.
 */
export class LocalExecutor implements StageExecutor {
  readonly capabilities: ExecutorCapabilities = Object.freeze({ workspace: 'local', supportsGpu: false, enforcesResourceLimits: false });
  private readonly options: Readonly<ProcessGroupRunOptions>;
  private readonly forkServers: ForkServerPool | undefined;

  constructor(options: LocalExecutorOptions = {}) {
    const killGraceMs = options.killGraceMs ?? 2000;
    if (!Number.isFinite(killGraceMs) || killGraceMs < 0) throw new RangeError(`killGraceMs must be >= 0, got ${killGraceMs}`);
    this.options = Object.freeze({ killGraceMs, maxLineBytes: options.maxLineBytes ?? 64 * 1024, runningDir: options.runningDir });
    this.forkServers = options.warmStartDir
      ? new ForkServerPool({ socketDir: options.warmStartDir, ...(options.warmIdleSeconds !== undefined ? { idleSeconds: options.warmIdleSeconds } : {}) })
      : undefined;
  }

  close(): void {
    this.forkServers?.close();
  }

  async run(spec: StageProcessSpec, observer: StageObserver): Promise<StageExit> {
    if (spec.command.length === 0 || !spec.command[0]) {
      throw new SpecValidationError([{ path: 'command', message: `stage ${spec.id}: command must name a program` }]);
    }
    if (!(spec.timeoutMs > 0)) {
      throw new SpecValidationError([{ path: 'timeoutMs', message: `stage ${spec.id}: must be positive, got ${spec.timeoutMs}` }]);
    }
    if (spec.signal?.aborted) return notStarted();
    // Checked up front because spawn reports a missing cwd as ENOENT, indistinguishable from a missing command.
    const dir = await stat(spec.workingDirectory).catch(() => undefined);
    if (!dir?.isDirectory()) {
      throw new EnvironmentUnavailableError('workingDirectory', `stage ${spec.id}: working directory ${spec.workingDirectory} does not exist`);
    }
    // The signal may have fired while the directory was checked.
    if (spec.signal?.aborted) return notStarted();
    const oomKillsBefore = await readOomKillCount();
    const warm = spec.warmImports?.length && this.forkServers ? await this.forkServers.start(spec, spec.warmImports) : undefined;
    const exit = await runProcessGroup(spec, observer, this.options, warm);
    if (exit.signal !== 'SIGKILL' || exit.timedOut || exit.cancelled || oomKillsBefore === undefined) return exit;
    // Another stage's process in the same cgroup could be the victim; a rise is still the best evidence there is.
    const oomKillsAfter = await readOomKillCount();
    return oomKillsAfter !== undefined && oomKillsAfter > oomKillsBefore ? { ...exit, oomKilled: true } : exit;
  }
}

function notStarted(): StageExit {
  const now = new Date();
  return { exitCode: null, signal: null, timedOut: false, cancelled: true, startedAt: now, finishedAt: now, durationMs: 0 };
}
