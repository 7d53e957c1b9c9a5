import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { withConfinedFile } from '../artifacts/confined-files.js';
import { checkpointStep, type CheckpointRef } from './checkpoint-ref.js';

/**
 * Copies the checkpoints a stage process writes into its checkpoint directory to the artifact
 * store, under `prefix/<file name>`, newest step last. Call `sync()` as often as you like (the
 * stage activity does on every heartbeat) and `finish()` once the process has exited. A
 * checkpoint that is really a link out of the checkpoint directory is never uploaded.
 */
export class CheckpointUploader {
  #latest: CheckpointRef | undefined;
  #running: Promise<CheckpointRef | undefined> | undefined;

  /** `resumedFrom`: the checkpoint this attempt started from, still the latest until a newer one is uploaded. */
  constructor(
    private readonly artifacts: ArtifactStore,
    private readonly prefix: string,
    private readonly localDir: string,
    resumedFrom?: CheckpointRef,
  ) {
    this.#latest = resumedFrom;
  }

  /** The newest checkpoint uploaded so far (or resumed from). */
  get latest(): CheckpointRef | undefined {
    return this.#latest;
  }

  /** Uploads checkpoints newer than the latest; a call while one runs joins it instead of racing it. */
  sync(): Promise<CheckpointRef | undefined> {
    this.#running ??= this.#upload().finally(() => (this.#running = undefined));
    return this.#running;
  }

  /** After the process exits: waits for a running sync, then picks up whatever it wrote last. */
  async finish(): Promise<CheckpointRef | undefined> {
    await this.#running?.catch(() => {});
    return this.sync();
  }

  async #upload(): Promise<CheckpointRef | undefined> {
    const names = await readdir(this.localDir).catch(() => [] as string[]);
    const fresh = names
      .map((name) => ({ name, step: checkpointStep(name) }))
      .filter((c): c is { name: string; step: number } => c.step !== undefined && c.step > (this.#latest?.step ?? -1))
      .sort((a, b) => a.step - b.step);
    for (const { name, step } of fresh) {
      const key = `${this.prefix}/${name}`;
      try {
        const stored = await withConfinedFile(this.localDir, join(this.localDir, name), (path) => this.artifacts.putFile(key, path));
        if (!stored) continue;
      } catch (error) {
        // The SDK prunes old checkpoints as it writes new ones: a file gone meanwhile is superseded.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      this.#latest = { key, step };
    }
    return this.#latest;
  }
}
