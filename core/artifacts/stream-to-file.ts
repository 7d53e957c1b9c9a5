import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Writes a download to `localPath`, creating parent directories. The bytes go to a temp file
 * next to the target, renamed into place only when the stream ended without error (for a
 * verifying stream: when its checksum held), so a failed download never leaves a partial file.
 * No fsync: a download is a scratch copy that a crash simply repeats.
 */
export async function streamToFile(source: Readable, localPath: string): Promise<void> {
  const target = resolve(localPath);
  const temp = join(dirname(target), `.${randomUUID()}.kiln-download`);
  try {
    await mkdir(dirname(target), { recursive: true });
    await pipeline(source, createWriteStream(temp, { flags: 'wx' }));
    await rename(temp, target);
  } catch (error) {
    source.destroy();
    await rm(temp, { force: true });
    throw error;
  }
}
