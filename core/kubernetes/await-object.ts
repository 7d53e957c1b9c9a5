import type { Watch } from '@kubernetes/client-node';
import { BackendUnavailableError } from '../errors.js';
import { watchObjects } from './watch-objects.js';

export interface AwaitObjectOptions<T> {
  watch: Watch;
  /** Collection path, e.g. `/api/v1/namespaces/kiln/pods`. */
  path: string;
  /** The object's kind and name, for messages: `Deployment`, `kiln-model-iris`. */
  kind: string;
  name: string;
  /** Lists the collection narrowed to this one object (`metadata.name=<name>`). */
  list(): Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>;
  /** Aborting stops waiting (with the signal's reason); the object itself is left as it is. */
  signal?: AbortSignal;
  /** A backstop: the wait fails with BackendUnavailableError after this long. */
  timeoutMs: number;
  /** What is awaited, for the backstop's message: `finish rolling out`. */
  awaited: string;
  /**
   * Called with every state the watch delivers, and with undefined once there is no such object
   * (deleted, or none listed): true ends the wait, an Error fails it, a string says what it still waits for.
   */
  judge(object: T | undefined): true | Error | string;
}

/** Watches one object until `judge` ends the wait; events are level, not edge (a resumed watch lists again). */
export function awaitObject<T>({ watch, path, kind, name, list, signal, timeoutMs, awaited, judge }: AwaitObjectOptions<T>): Promise<void> {
  return new Promise((resolve, reject) => {
    let last = `waiting for the ${kind}`;
    let settled = false;
    const settle = (verdict: true | Error | string) => {
      if (settled) return;
      if (typeof verdict === 'string') {
        last = verdict;
        return;
      }
      settled = true;
      stop();
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (verdict === true) resolve();
      else reject(verdict);
    };
    const onAbort = () => settle(signal!.reason instanceof Error ? signal!.reason : new Error(`wait for ${kind} ${name} aborted`));
    const timer = setTimeout(() => settle(new BackendUnavailableError('kubernetes', `${kind} ${name} did not ${awaited}: ${last}`)), timeoutMs);
    const stop = watchObjects<T>({
      watch,
      path,
      fieldSelector: `metadata.name=${name}`,
      list: async () => {
        const listed = await list();
        if (listed.items.length === 0) settle(judge(undefined));
        return listed;
      },
      onEvent: (type, object) => settle(judge(type === 'DELETED' ? undefined : object)),
      onError: (error) => settle(error instanceof Error ? error : new Error(String(error))),
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
  });
}
