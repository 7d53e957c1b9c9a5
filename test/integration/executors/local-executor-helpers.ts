import { processGroupMembers, type ProcessInfo } from '../../../core/executors/local/process-tree.js';
import type { StageObserver, StageProcessSpec } from '../../../core/executors/executor.js';

/** An observer that records everything and can wait for a number of stdout lines. */
export class RecordingObserver implements StageObserver {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  readonly starts: { pid: number; startedAt: Date }[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  onLine(line: string, stream: 'stdout' | 'stderr'): void {
    this[stream].push(line);
    this.waiters = this.waiters.filter((w) => (this.stdout.length >= w.count ? (w.resolve(), false) : true));
  }

  onStart(info: { pid: number; startedAt: Date }): void {
    this.starts.push(info);
  }

  get pid(): number {
    const pid = this.starts[0]?.pid;
    if (pid === undefined) throw new Error('the stage never started');
    return pid;
  }

  stdoutLines(count: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stdout.length >= count) resolve();
      else this.waiters.push({ count, resolve });
    });
  }
}

export function stageSpec(command: string[], overrides: Partial<StageProcessSpec> = {}): StageProcessSpec {
  return {
    id: 'run-1/train/1',
    command,
    workingDirectory: process.cwd(),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    timeoutMs: 10_000,
    ...overrides,
  };
}

/**
 * Members of the group that are still running or are zombies we failed to reap. Orphaned
 * zombies belong to init: some sandboxes' init never reaps them, which is not ours to fix.
 */
export async function leftovers(pgid: number): Promise<ProcessInfo[]> {
  return (await processGroupMembers(pgid)).filter((p) => p.state !== 'Z' || p.ppid === process.pid);
}
