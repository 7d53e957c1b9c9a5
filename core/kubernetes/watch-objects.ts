import type { Watch } from '@kubernetes/client-node';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'LISTED';

export interface WatchObjectsOptions<T> {
  watch: Watch;
  /** Collection path, e.g. `/api/v1/namespaces/kiln/pods`. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** The same collection listed with the same selectors: the state to start (and resume) from. */
  list(): Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>;
  onEvent(type: WatchEventType, object: T): void;
  /** A failure that resyncing cannot fix (listing failed after retries). */
  onError(error: unknown): void;
}

/**
 * Lists, then watches from the list's resourceVersion, so no change between the two is missed.
 * A watch the server ends (timeout, 410 Gone after compaction) is resumed by listing again:
 * objects come back as LISTED events and the handler must treat events as level, not edge.
 * Returns a stop function.
 */
export function watchObjects<T>(options: WatchObjectsOptions<T>): () => void {
  let stopped = false;
  let current: AbortController | undefined;
  let failures = 0;

  const cycle = async (): Promise<void> => {
    if (stopped) return;
    let listed;
    try {
      listed = await options.list();
      failures = 0;
    } catch (error) {
      // The API server may be restarting: retry with backoff, then give up loudly.
      if (++failures > 5) return options.onError(error);
      setTimeout(() => void cycle(), 200 * 2 ** failures);
      return;
    }
    if (stopped) return;
    for (const item of listed.items) options.onEvent('LISTED', item);
    const query: Record<string, string | boolean> = { allowWatchBookmarks: true };
    if (options.labelSelector) query.labelSelector = options.labelSelector;
    if (options.fieldSelector) query.fieldSelector = options.fieldSelector;
    if (listed.metadata?.resourceVersion) query.resourceVersion = listed.metadata.resourceVersion;
    try {
      current = await options.watch.watch(
        options.path,
        query,
        (type, object) => {
          if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') options.onEvent(type, object as T);
        },
        // Ended by the server or the network: list and watch again (unless we stopped it).
        () => setTimeout(() => void cycle(), 50),
      );
      if (stopped) current.abort();
    } catch {
      setTimeout(() => void cycle(), 200);
    }
  };
  void cycle();
  return () => {
    stopped = true;
    current?.abort();
  };
}
