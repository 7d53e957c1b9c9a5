import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { KilnConfig } from '../../core/config.js';
import { ROOT } from './bench-stack.js';

/** How the worker process is launched: the compiled CLI (`make build`, prebuilt workflow bundle) or the sources via tsx. */
export type WorkerLaunch = 'compiled' | 'source';

export function defaultLaunch(): WorkerLaunch {
  return existsSync(join(ROOT, 'dist', 'api', 'cli', 'main.js')) ? 'compiled' : 'source';
}

/** `kiln worker` in its own process, sharing the bench's data directory, task queue and Temporal. */
export class RecoveryWorker {
  readonly spawnedAt = Date.now();
  /** When it printed that it is up (polling), ms since the epoch. */
  upAt: number | undefined;
  readonly exited: Promise<void>;
  private output = '';

  private constructor(readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.on('data', (chunk: Buffer) => {
        this.output += chunk.toString();
        if (this.upAt === undefined && this.output.includes('Kiln is up')) this.upAt = Date.now();
      });
    }
  }

  static spawn(config: KilnConfig, launch: WorkerLaunch): RecoveryWorker {
    const cli = launch === 'compiled' ? [join(ROOT, 'bin', 'kiln.js')] : ['--import', 'tsx', join(ROOT, 'api', 'cli', 'main.ts')];
    const child = spawn(process.execPath, [...cli, 'worker'], {
      cwd: ROOT,
      env: { ...process.env, KILN_HOME: config.home, TEMPORAL_ADDRESS: config.temporalAddress!, KILN_TASK_QUEUE: config.taskQueue },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new RecoveryWorker(child);
  }

  async untilUp(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.upAt === undefined) {
      if (this.child.exitCode !== null || Date.now() > deadline) throw new Error(`kiln worker did not come up:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    this.child.kill(signal);
    await this.exited;
  }
}
