import { BackendUnavailableError } from '../errors.js';
import { createArtifactStore } from './create-artifact-store.js';

export type ArtifactStoreCheck = { ok: true; description: string } | { ok: false; reason: string };

/**
 * For `kiln doctor`: builds the configured store and proves it with a real round trip (write,
 * read back, delete a small probe object). Never throws; the reason is one line without the
 * secret. A server that does not answer within `timeoutMs` (default 10 s) counts as unreachable.
 */
export async function checkArtifactStore(url: string | undefined, filesystemRoot: string, timeoutMs = 10_000): Promise<ArtifactStoreCheck> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const store = createArtifactStore({ url, filesystemRoot });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${store.description}: no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    await Promise.race([store.probe(), timeout]);
    return { ok: true, description: `${store.description} (write, read back and delete work)` };
  } catch (error) {
    return { ok: false, reason: oneLine(error) };
  } finally {
    clearTimeout(timer);
  }
}

function oneLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // The doctor already labels the line with the backend, so its name is not repeated.
  const message = error instanceof BackendUnavailableError ? error.message.slice(error.backend.length + 2) : error.message;
  return message.split('\n')[0] ?? message;
}
