import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

/** How log lines are written: one JSON object a line (for collectors), or readable lines for a terminal. */
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export interface KilnLogOptions {
  /** Default `json`; `kiln up` asks for `pretty` (config.log: KILN_LOG_FORMAT). */
  format?: LogFormat;
  /** Default `info` (config.log: KILN_LOG_LEVEL). */
  level?: LogLevelName;
  /** Default stderr; tests pass a stream to read the lines back. */
  destination?: DestinationStream;
}

/**
 * Kiln's logger (pino) for the API, workers and what they run: JSON by default, with `time`
 * in ISO form and the fields a line concerns (`run_id`, `stage`, `attempt`, `request_id`, …).
 */
export function createKilnLog(options: KilnLogOptions = {}): Logger {
  const format = options.format ?? 'json';
  const settings = { level: options.level ?? 'info', base: { service: 'kiln' }, timestamp: pino.stdTimeFunctions.isoTime };
  // Synchronous, so a line is written before a crash or exit that follows it.
  const destination = options.destination ?? pino.destination({ dest: 2, sync: true });
  if (format === 'json') return pino(settings, destination);
  return pino(settings, pretty({ destination, sync: true, colorize: false, ignore: 'pid,hostname,service', translateTime: 'HH:MM:ss' }));
}

let current: Logger | undefined;

/** This process's logger: the one `useKilnLog` set, else a JSON logger on stderr made on first use. */
export function kilnLog(): Logger {
  current ??= createKilnLog();
  return current;
}

/** Sets this process's logger (entrypoints: `kiln up` a readable one; tests one that writes to a stream). */
export function useKilnLog(logger: Logger): Logger {
  current = logger;
  return logger;
}

/** An error as log fields: its name and message, never a payload that could quote user data. */
export function errorFields(error: unknown): { err: { type: string; message: string } } {
  return error instanceof Error ? { err: { type: error.name, message: error.message } } : { err: { type: typeof error, message: String(error) } };
}
