import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** A stream of `size` bytes in 1 MiB chunks, each numbered so no two chunks are alike. */
export function patternStream(size: number): Readable {
  return Readable.from(
    (function* () {
      for (let offset = 0, i = 0; offset < size; offset += 1024 * 1024, i++) {
        const chunk = Buffer.alloc(Math.min(1024 * 1024, size - offset), i % 251);
        chunk.writeUInt32LE(i, 0);
        yield chunk;
      }
    })(),
  );
}

/** Writes a patternStream of `size` bytes to `path` and returns the path. */
export async function writePatternFile(path: string, size: number): Promise<string> {
  await pipeline(patternStream(size), createWriteStream(path));
  return path;
}
