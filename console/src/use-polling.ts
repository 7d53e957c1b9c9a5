import { useEffect, useRef, useState } from 'preact/hooks';

export interface Polled<T> {
  data: T | undefined;
  error: Error | undefined;
  reload(): void;
}

/**
 * Loads `load()` now and every `intervalMs` while `active` and the tab is visible; an answer
 * equal to the last one (same JSON) does not re-render, so a quiet page stays still.
 */
export function usePolling<T>(load: () => Promise<T>, deps: unknown[], options: { intervalMs: number; active?: (data: T) => boolean }): Polled<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [tick, setTick] = useState(0);
  const last = useRef<string>('');
  // The caller names what `load` depends on.
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        const next = await load();
        if (stopped) return;
        const text = JSON.stringify(next);
        if (text !== last.current) {
          last.current = text;
          setData(next);
        }
        setError(undefined);
        if (options.active && !options.active(next)) return;
      } catch (thrown) {
        if (!stopped) setError(thrown instanceof Error ? thrown : new Error(String(thrown)));
      }
      if (!stopped) timer = setTimeout(wait, options.intervalMs);
    };
    const wait = () => (document.hidden ? (timer = setTimeout(wait, options.intervalMs)) : void run());
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [...deps, tick]);
  return { data, error, reload: () => setTick((t) => t + 1) };
}
