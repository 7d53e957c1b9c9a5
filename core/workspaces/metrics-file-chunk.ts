import { open } from 'node:fs/promises';

/** Part of a workspace's metrics file (WorkspaceHosting.readMetricsFile). */
export interface MetricsFileChunk {
  /** Bytes from the offset asked for, at most as many as asked. */
  bytes: Buffer;
  /** The whole file's size: less than the offset asked for means the file was replaced. */
  size: number;
}

/** `maxBytes` of the file at `path` from `offset`; null when there is no such file. */
export async function readFileChunk(path: string, offset: number, maxBytes: number): Promise<MetricsFileChunk | null> {
  const file = await open(path, 'r').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (!file) return null;
  try {
    const { size } = await file.stat();
    const length = Math.max(0, Math.min(maxBytes, size - offset));
    const bytes = Buffer.alloc(length);
    const { bytesRead } = length > 0 ? await file.read(bytes, 0, length, offset) : { bytesRead: 0 };
    return { bytes: bytes.subarray(0, bytesRead), size };
  } finally {
    await file.close();
  }
}

/** The same chunk of a file already held whole (a copy fetched from the artifact store). */
export function sliceChunk(whole: Buffer, offset: number, maxBytes: number): MetricsFileChunk {
  return { bytes: whole.subarray(Math.min(offset, whole.length), Math.min(whole.length, offset + maxBytes)), size: whole.length };
}
