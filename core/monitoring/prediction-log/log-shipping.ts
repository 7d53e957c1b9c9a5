import type { ArtifactStore } from '../../artifacts/artifact-store.js';
import { expirePredictions } from './read-predictions.js';
import { shipPredictionSpool, type PredictionSpool } from './ship-prediction-spool.js';

export interface LogShippingOptions {
  store: ArtifactStore;
  /** The spools to ship on each pass (found again each time: servers come and go). */
  spools(): Promise<PredictionSpool[]>;
  /** Logged predictions older than this many days are deleted, once an hour. */
  retentionDays: number;
  intervalMs?: number;
  /** A pass that failed, for the log; shipping goes on. */
  onError?(error: unknown): void;
}

export interface LogShipping {
  /** Ships once more, then stops. */
  stop(): Promise<void>;
  /** One pass now (tests, and the last pass on stop). */
  shipNow(): Promise<{ segments: number; failed: number }>;
}

const HOUR_MS = 3_600_000;

/**
 * Moves model servers' prediction logs from their spools into the artifact store every few
 * seconds and applies retention hourly. One pass at a time; a slow store makes passes late,
 * never the predictions (the servers only append to their spools).
 */
export function startLogShipping(options: LogShippingOptions): LogShipping {
  const { store, retentionDays } = options;
  let lastExpiry = 0;
  let running: Promise<{ segments: number; failed: number }> | undefined;

  const pass = async () => {
    const spools = await options.spools();
    let segments = 0;
    let failed = 0;
    for (const spool of spools) {
      const report = await shipPredictionSpool(store, spool);
      segments += report.segments;
      failed += report.failed;
    }
    if (Date.now() - lastExpiry >= HOUR_MS) {
      lastExpiry = Date.now();
      const before = new Date(Date.now() - retentionDays * 24 * HOUR_MS);
      for (const model of new Set(spools.map((s) => s.model))) await expirePredictions(store, model, before);
    }
    return { segments, failed };
  };
  const shipNow = () => {
    running ??= pass().finally(() => (running = undefined));
    return running;
  };
  const timer = setInterval(() => void shipNow().catch((error: unknown) => options.onError?.(error)), options.intervalMs ?? 2_000);
  timer.unref();
  return {
    shipNow,
    async stop() {
      clearInterval(timer);
      await running?.catch(() => undefined);
      await shipNow().catch((error: unknown) => options.onError?.(error));
    },
  };
}
