import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { podPendingReason } from '../../kubernetes/pod-pending-reason.js';
import type { StageExit } from '../executor.js';
import { STAGE_CONTAINER } from './stage-job.js';

/** Where a stage Job stands, read from the Job and its pod: what the executor acts on. */
export type StageJobState =
  | { kind: 'pending'; reason: string; imagePullFailing?: boolean }
  | { kind: 'running'; podName: string }
  | { kind: 'finished'; exit: Pick<StageExit, 'exitCode' | 'signal' | 'timedOut' | 'oomKilled' | 'platformMessage' | 'platformFailure'> };

export function stageJobState(job: V1Job | undefined, pod: V1Pod | undefined): StageJobState {
  const failed = job?.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  const complete = job?.status?.conditions?.find((c) => c.type === 'Complete' && c.status === 'True');
  const main = pod?.status?.containerStatuses?.find((c) => c.name === STAGE_CONTAINER);
  const terminated = main?.state?.terminated;

  if (failed?.reason === 'DeadlineExceeded') {
    return {
      kind: 'finished',
      exit: { exitCode: null, signal: 'SIGKILL', timedOut: true, platformMessage: failed.message ?? 'Job was active longer than its deadline' },
    };
  }
  if (pod?.status?.phase === 'Failed' && pod.status.reason === 'Evicted') {
    return {
      kind: 'finished',
      exit: { exitCode: null, signal: null, timedOut: false, platformFailure: 'evicted', platformMessage: pod.status.message ?? 'Evicted' },
    };
  }
  // A terminal pod is the stage's end (its phase waits for the sidecar's uploads); no need to
  // wait for the Job controller, which batches pod updates for a second. Except a pod being
  // deleted: the Job controller kills pods past the deadline, and its verdict says so.
  const podDone = pod?.status?.phase === 'Succeeded' || (pod?.status?.phase === 'Failed' && !pod.metadata?.deletionTimestamp);
  if (terminated && (failed || complete || podDone)) {
    const oomKilled = terminated.reason === 'OOMKilled';
    const message = [
      terminated.reason && terminated.reason !== 'Completed' && terminated.reason !== 'Error' ? terminated.reason : undefined,
      terminated.message?.trim(),
    ]
      .filter(Boolean)
      .join(': ');
    return {
      kind: 'finished',
      exit: {
        exitCode: terminated.exitCode ?? null,
        signal: null,
        timedOut: false,
        ...(oomKilled ? { oomKilled } : {}),
        ...(message ? { platformMessage: message } : {}),
      },
    };
  }
  if (complete) return { kind: 'finished', exit: { exitCode: 0, signal: null, timedOut: false } };
  if (failed)
    return {
      kind: 'finished',
      exit: { exitCode: null, signal: null, timedOut: false, platformMessage: `${failed.reason ?? 'Failed'}: ${failed.message ?? ''}`.trim() },
    };

  if (!pod) return { kind: 'pending', reason: 'waiting for the Job controller to create the pod' };
  const held = podPendingReason(pod);
  if (held) return { kind: 'pending', ...held };
  // Terminated but the Job has no verdict yet: still running, as far as anyone waiting can tell.
  if (main?.state?.running || terminated) return { kind: 'running', podName: pod.metadata!.name! };
  return { kind: 'pending', reason: pod.status?.phase === 'Pending' && !pod.spec?.nodeName ? 'waiting to be scheduled' : 'starting' };
}
