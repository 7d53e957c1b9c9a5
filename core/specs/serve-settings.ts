import { z } from 'zod';

/**
 * How a model's servers run (issue 14), when a project's `serve` is an object rather than
 * `true`. Read when a version is deployed: a change applies from the next deployment on.
 * The limits keep one server within what one machine or pod can sensibly run.
 */
export const ServeSettings = z
  .object({
    /** Server processes sharing the port, each with its own copy of the model. */
    workers: z.number().int().min(1).max(64).default(1),
    /** Instances merged into one `predict` call at most; 1 never merges requests (a model can also opt out with `batchable = False`). */
    max_batch: z.number().int().min(1).max(100_000).default(256),
    /** How long a lone request waits for others to merge with; 0 merges only requests that are already waiting. */
    batch_wait_ms: z.number().min(0).max(1_000).default(0),
    /** Requests waiting or predicting per worker; more are answered 503 with Retry-After. */
    max_in_flight: z.number().int().min(1).max(100_000).default(256),
  })
  .strict();
export type ServeSettings = z.output<typeof ServeSettings>;

export const DEFAULT_SERVE_SETTINGS: ServeSettings = Object.freeze({ workers: 1, max_batch: 256, batch_wait_ms: 0, max_in_flight: 256 });

/** A project's `serve`: `true` or `false`, or the settings of a served model. */
export const ServeOption = z.union([z.boolean(), ServeSettings]);
export type ServeOption = z.output<typeof ServeOption>;

/** The server settings of a project's `serve` (the defaults unless it is an object). */
export function serveSettingsOf(serve: ServeOption | undefined): ServeSettings {
  return typeof serve === 'object' ? serve : DEFAULT_SERVE_SETTINGS;
}

/** The model server's environment for these settings (sdk/python/kiln_sdk/serve.py reads it). */
export function serveEnv(settings: ServeSettings): Record<string, string> {
  return {
    KILN_SERVE_WORKERS: String(settings.workers),
    KILN_SERVE_MAX_BATCH: String(settings.max_batch),
    KILN_SERVE_BATCH_WAIT_MS: String(settings.batch_wait_ms),
    KILN_SERVE_MAX_IN_FLIGHT: String(settings.max_in_flight),
  };
}
