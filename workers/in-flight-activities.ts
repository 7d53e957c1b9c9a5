import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { pidScope, thisProcessHost, type ProcessHost } from '../core/executors/local/process-host.js';
import { isProcessAlive } from '../core/executors/local/running-groups.js';

/** An activity attempt running on some worker of this machine, recorded until it settles. */
export interface InFlightActivityRecord {
  ownerPid: number;
  workflowId: string;
  activityId: string;
  activityType: string;
  attempt: number;
  /** Base64 task token: failing it ends exactly this attempt, never a later one. */
  taskToken: string;
  /** Where `ownerPid` is valid. Absent in records of older versions. */
  host?: ProcessHost;
}

/**
 * Records each activity attempt in `dir` while it runs, so the next worker on this machine can
 * fail the attempts of a worker that died at once, instead of waiting out their heartbeat
 * timeout; and reports an attempt cancelled by this worker's shutdown as a retryable failure,
 * so Temporal retries it on another worker instead of treating it as a cancelled run.
 */
export function inFlightActivities(dir: string): ActivityInterceptorsFactory {
  return (ctx: Context) => ({
    inbound: {
      async execute(input, next) {
        // A local activity has no task token Temporal could fail: it ends with its workflow task.
        const file = ctx.info.isLocal ? undefined : recordAttempt(dir, ctx);
        try {
          return await next(input);
        } catch (error) {
          throw shutdownAsRetryable(ctx, error);
        } finally {
          if (file) rmSync(file, { force: true });
        }
      },
    },
  });
}

/**
 * Fails (via `fail`) every recorded attempt whose worker process is dead; returns those records.
 * An attempt recorded on another host (a shared data directory) is left alone: its worker may
 * well be alive there. One recorded before this host's last boot is dead whatever its pid says.
 */
export async function failAbandonedActivities(
  dir: string,
  fail: (taskToken: Uint8Array, error: ApplicationFailure) => Promise<void>,
): Promise<InFlightActivityRecord[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const failed: InFlightActivityRecord[] = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const file = join(dir, name);
    const record = await readFile(file, 'utf8')
      .then((text) => JSON.parse(text) as InFlightActivityRecord)
      .catch(() => undefined);
    const scope = pidScope(record?.host);
    if (record && scope === 'other-host') continue;
    if (record && scope !== 'earlier-boot' && isProcessAlive(record.ownerPid)) continue;
    if (record) {
      const error = ApplicationFailure.retryable(
        `the worker running ${record.activityType} attempt ${record.attempt} (pid ${record.ownerPid}) died`,
        'WorkerLost',
      );
      // NotFound: the attempt already ended (timed out, or the run was closed); nothing to do.
      const ok = await fail(Buffer.from(record.taskToken, 'base64'), error).then(
        () => true,
        () => false,
      );
      if (ok) failed.push(record);
    }
    await rm(file, { force: true });
  }
  return failed;
}

function recordAttempt(dir: string, ctx: Context): string | undefined {
  const { workflowExecution, activityId, activityType, attempt, taskToken } = ctx.info;
  const record: InFlightActivityRecord = {
    ownerPid: process.pid,
    workflowId: workflowExecution?.workflowId ?? '',
    activityId,
    activityType,
    attempt,
    taskToken: Buffer.from(taskToken).toString('base64'),
    host: thisProcessHost(),
  };
  const file = join(dir, `${createHash('sha256').update(taskToken).digest('hex').slice(0, 24)}.json`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, JSON.stringify(record));
    return file;
  } catch {
    // Crash-recovery bookkeeping only: without it a lost attempt still ends at its heartbeat timeout.
    return undefined;
  }
}

/** A cancel that only this worker's shutdown asked for (Temporal's reason code WORKER_SHUTDOWN) becomes a retryable failure. */
function shutdownAsRetryable(ctx: Context, error: unknown): unknown {
  const reason: unknown = ctx.cancellationSignal.reason;
  const byShutdown = reason instanceof CancelledFailure && reason.message === 'WORKER_SHUTDOWN' && !ctx.cancellationDetails?.cancelRequested;
  if (!byShutdown || !(error instanceof CancelledFailure)) return error;
  return ApplicationFailure.create({
    type: 'WorkerShutdown',
    message: `worker ${process.pid} shut down during ${ctx.info.activityType}; retried on another worker`,
    cause: error,
  });
}
