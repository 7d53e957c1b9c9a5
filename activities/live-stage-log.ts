import { Transform } from 'node:stream';
import type { ArtifactStore } from '../core/artifacts/artifact-store.js';
import { kilnLog } from '../core/logging/kiln-log.js';

/** Most of a running attempt's log kept for its live copy: the tail, as the API answers it. */
export const LIVE_LOG_BYTES = 256 * 1024;

/**
 * A running attempt's log, mirrored: every chunk written passes on to the stored log (written
 * once, when the attempt ends), and its tail is put under `live.key` on each `flush()` while it
 * runs, so the API and the console can tail it. `close()` removes the live copy (its whole
 * `live.prefix`) once the stored log is in place.
 */
export class LiveStageLog {
  /** Write the attempt's log here; read it as the stored log's body. */
  readonly stream: Transform;
  /** The newest chunks, at least LIVE_LOG_BYTES of them: joined only when flushed, not per chunk. */
  private chunks: Buffer[] = [];
  private bytes = 0;
  private changed = false;
  private writing: Promise<unknown> | undefined;

  constructor(
    private readonly store: ArtifactStore,
    private readonly live: { key: string; prefix: string },
  ) {
    this.stream = new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        this.chunks.push(chunk);
        this.bytes += chunk.length;
        while (this.bytes - (this.chunks[0]?.length ?? 0) >= LIVE_LOG_BYTES) this.bytes -= this.chunks.shift()!.length;
        this.changed = true;
        done(null, chunk);
      },
    });
  }

  /** Puts the tail as it is now, unless unchanged or the previous put is still on its way. */
  flush(): void {
    if (!this.changed || this.writing) return;
    this.changed = false;
    this.writing = this.store
      .put(this.live.key, this.tail())
      .catch((error: unknown) => kilnLog().warn({ key: this.live.key, error: String(error) }, 'live stage log not stored'))
      .finally(() => (this.writing = undefined));
  }

  /** The last LIVE_LOG_BYTES, from the first whole UTF-8 character on. */
  private tail(): Buffer {
    let tail = Buffer.concat(this.chunks).subarray(-LIVE_LOG_BYTES);
    while (tail.length > 0 && (tail[0]! & 0xc0) === 0x80) tail = tail.subarray(1);
    return tail;
  }

  /** After the stored log is written: the live copy is no longer needed. */
  async close(): Promise<void> {
    await this.writing;
    await this.store
      .deletePrefix(this.live.prefix)
      .catch((error: unknown) => kilnLog().warn({ key: this.live.key, error: String(error) }, 'live stage log not removed'));
  }
}
