import { spawn } from 'node:child_process';

export interface RunProcessOptions {
  cwd?: string;
  signal?: AbortSignal;
  /** Each output line of either stream, in order per stream. */
  onLine?(line: string): void;
  /** Keep stdout whole in the result (for commands whose output is data). Default false. */
  captureStdout?: boolean;
  /** How many trailing output lines the result keeps. Default 20. */
  tailLines?: number;
}

export interface ProcessOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Whole stdout when `captureStdout`, else empty. */
  stdout: string;
  /** The last `tailLines` lines of stdout and stderr. */
  tail: string[];
}

/** Grace period between SIGTERM and SIGKILL when a run is aborted. */
const KILL_GRACE_MS = 3000;

/**
 * Runs a command to completion, streaming its output by line. On abort the whole process
 * group is killed and the promise rejects with the signal's reason. A non-zero exit is not
 * an error here; callers decide what it means.
 */
export function runProcess(command: string, args: readonly string[], options: RunProcessOptions = {}): Promise<ProcessOutcome> {
  const { signal, onLine, captureStdout = false, tailLines = 20 } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    // Its own process group, so an abort also reaches anything the command started.
    const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const tail: string[] = [];
    let stdout = '';
    let killTimer: NodeJS.Timeout | undefined;

    const emit = (line: string) => {
      tail.push(line);
      if (tail.length > tailLines) tail.shift();
      onLine?.(line);
    };
    const pipeLines = (stream: NodeJS.ReadableStream, capture: boolean) => {
      let pending = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        if (capture) stdout += chunk;
        const parts = (pending + chunk).split(/\r?\n|\r/);
        pending = parts.pop() ?? '';
        parts.forEach(emit);
      });
      stream.on('end', () => pending && emit(pending));
    };
    pipeLines(child.stdout, captureStdout);
    pipeLines(child.stderr, false);

    const killGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, sig);
      } catch {
        // Already gone.
      }
    };
    const onAbort = () => {
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    child.on('error', (err) => {
      signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    child.on('close', (exitCode, exitSignal) => {
      signal?.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      if (signal?.aborted) reject(signal.reason);
      else resolve({ exitCode, signal: exitSignal, stdout, tail });
    });
  });
}
