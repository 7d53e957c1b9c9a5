import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { EnvironmentUnavailableError } from '../../errors.js';
import type { StageExit, StageObserver, StageProcessSpec } from '../executor.js';
import { LineSplitter } from './line-splitter.js';
import { signalProcessGroup, waitForProcessGroupExit } from './process-tree.js';
import { forgetRunningGroup, recordRunningGroup } from './running-groups.js';

export interface ProcessGroupRunOptions {
  killGraceMs: number;
  maxLineBytes: number;
  runningDir?: string | undefined;
}

// setTimeout fires at once for longer delays (about 24.8 days), so longer limits are clamped.
const MAX_TIMER_MS = 2 ** 31 - 1;

type StopCause = 'timedOut' | 'cancelled' | 'observerFailed';

/** What is used of a started process: a ChildProcess, or a stage a fork server started (fork-server.ts). */
export interface StageChild {
  readonly pid?: number | undefined;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  once(event: 'spawn', listener: () => void): unknown;
}

/**
 * Runs `spec.command` as the leader of a new process group. Settles once the leader has
 * exited, both output streams are fully read, and no process of the group is left running.
 * The caller has checked the spec, the working directory and the signal. `started`: the
 * process is already running as its own group leader (a warm start) and is not spawned here.
 */
export function runProcessGroup(spec: StageProcessSpec, observer: StageObserver, options: ProcessGroupRunOptions, started?: StageChild): Promise<StageExit> {
  return new Promise((resolve, reject) => {
    const [program, ...args] = spec.command as [string, ...string[]];
    const startedAt = new Date();
    const startedMs = performance.now();
    let child: StageChild;
    try {
      child = started ?? spawn(program, args, { cwd: spec.workingDirectory, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    } catch (error) {
      reject(spawnFailure(program, spec, error));
      return;
    }
    const pid = child.pid;
    const timers: NodeJS.Timeout[] = [];
    let stopCause: StopCause | undefined;
    let observerFailure: { error: unknown } | undefined;
    let exit: Pick<StageExit, 'exitCode' | 'signal' | 'finishedAt' | 'durationMs'> | undefined;
    let openStreams = 2;
    let finishing = false;

    const cleanup = () => {
      for (const timer of timers) clearTimeout(timer);
      if (options.runningDir && pid !== undefined) forgetRunningGroup(options.runningDir, pid);
      spec.signal?.removeEventListener('abort', onAbort);
    };
    const kill = (signal: NodeJS.Signals) => {
      try {
        if (pid !== undefined) signalProcessGroup(pid, signal);
      } catch {
        // EPERM: the group id now belongs to someone else, so there is nothing of ours to kill.
      }
    };
    const stop = (cause: StopCause) => {
      if (stopCause || exit || pid === undefined) return;
      stopCause = cause;
      kill('SIGTERM');
      timers.push(setTimeout(() => kill('SIGKILL'), options.killGraceMs));
    };
    // A throwing observer must not crash the worker from inside a stream callback: stop the stage and reject.
    const notify = (call: () => void) => {
      if (observerFailure) return;
      try {
        call();
      } catch (error) {
        observerFailure = { error };
        stop('observerFailed');
      }
    };
    const finish = async () => {
      if (!exit || openStreams > 0 || finishing || pid === undefined) return;
      finishing = true;
      // Bounded: a process stuck in uninterruptible sleep must not hang the stage forever.
      await waitForProcessGroupExit(pid, options.killGraceMs).catch(() => false);
      cleanup();
      if (observerFailure) reject(observerFailure.error);
      else resolve({ ...exit, timedOut: stopCause === 'timedOut', cancelled: stopCause === 'cancelled', startedAt });
    };
    const onAbort = () => stop('cancelled');

    child.on('error', (error) => {
      // Later errors come from child.kill() or IPC, neither of which is used here.
      if (pid !== undefined) return;
      cleanup();
      reject(spawnFailure(program, spec, error));
    });
    if (started) queueMicrotask(() => notify(() => observer.onStart?.({ pid: pid!, startedAt })));
    else child.once('spawn', () => notify(() => observer.onStart?.({ pid: pid!, startedAt })));
    for (const name of ['stdout', 'stderr'] as const) {
      const stream = child[name]!;
      const lines = new LineSplitter((line) => notify(() => observer.onLine(line, name)), options.maxLineBytes);
      stream.on('data', (chunk: Buffer) => lines.push(chunk));
      // 'close' follows 'error', so a pipe error needs no handling beyond not crashing.
      stream.on('error', () => {});
      stream.once('close', () => {
        lines.end();
        openStreams--;
        void finish();
      });
    }
    child.once('exit', (exitCode, signal) => {
      exit = { exitCode, signal, finishedAt: new Date(), durationMs: Math.round(performance.now() - startedMs) };
      // The stage ends with its leader, as a container ends with its PID 1: stragglers are
      // killed so they neither outlive the stage nor hold its output pipes open.
      kill('SIGKILL');
      // A process that left the group (setsid) may still hold the pipes; stop waiting for it.
      timers.push(setTimeout(() => [child.stdout, child.stderr].forEach((s) => s?.destroy()), options.killGraceMs));
      void finish();
    });

    if (pid === undefined) return;
    if (options.runningDir) {
      try {
        recordRunningGroup(options.runningDir, { pgid: pid, ownerPid: process.pid, stageId: spec.id, startedAt: startedAt.toISOString() });
      } catch {
        // Bookkeeping for crash recovery only: a full disk must not fail the stage itself.
      }
    }
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    // A warm start is awaited before this: the signal may have fired meanwhile.
    if (spec.signal?.aborted) onAbort();
    timers.push(setTimeout(() => stop('timedOut'), Math.min(spec.timeoutMs, MAX_TIMER_MS)));
  });
}

function spawnFailure(program: string, spec: StageProcessSpec, error: unknown): EnvironmentUnavailableError {
  const code = (error as NodeJS.ErrnoException).code;
  const where = program.includes('/') ? '' : ` on PATH ${JSON.stringify(spec.env.PATH ?? '')}`;
  const message =
    code === 'ENOENT'
      ? `stage ${spec.id}: executable "${program}" not found${where}`
      : code === 'EACCES'
        ? `stage ${spec.id}: "${program}" is not executable`
        : `stage ${spec.id}: could not start "${program}": ${(error as Error).message}`;
  return new EnvironmentUnavailableError('command', message, { cause: error });
}
