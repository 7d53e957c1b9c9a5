import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger } from 'pino';

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};
/** An opaque, long handle the SDK adds to activity lines: noise to a reader. */
const DROPPED = new Set(['taskToken']);
const RANK: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

/** Meta the SDK attaches, renamed to the fields Kiln's own lines use. */
const FIELD_NAMES: Record<string, string> = {
  workflowId: 'workflow_id',
  runId: 'temporal_run_id',
  workflowType: 'workflow_type',
  activityType: 'activity_type',
  activityId: 'activity_id',
  taskQueue: 'task_queue',
  namespace: 'namespace',
  attempt: 'attempt',
  workflowRunId: 'temporal_run_id',
  sdkComponent: 'sdk_component',
};

/**
 * The Temporal SDK's logs (worker, workflows through their sink, activities) as lines of Kiln's
 * logger (`component: temporal`; `sdk_component` names the SDK's part: worker, core, workflow, activity). The worker's own chatter (state changes, polling) stays at `workerLevel` and above; what
 * workflows and activities log passes at the logger's level.
 */
export function temporalLogger(logger: Logger | (() => Logger), workerLevel: LogLevel = 'WARN'): TemporalLogger {
  // A getter: the runtime is installed once per process, the logger may be chosen later.
  const current = typeof logger === 'function' ? logger : () => logger;
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const component = meta?.sdkComponent as string | undefined;
    if ((component === 'worker' || component === 'core' || component === undefined) && RANK[level] < RANK[workerLevel]) return;
    const fields: Record<string, unknown> = { component: 'temporal' };
    for (const [key, value] of Object.entries(meta ?? {})) if (!DROPPED.has(key)) fields[FIELD_NAMES[key] ?? key] = value;
    current()[PINO_LEVEL[level]](fields, message);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}
