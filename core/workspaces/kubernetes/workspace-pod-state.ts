import type { V1Pod } from '@kubernetes/client-node';
import { podPendingReason } from '../../kubernetes/pod-pending-reason.js';
import { SERVER_CONTAINERS } from './workspace-pod.js';

/** Where a workspace's pod stands: what start waits on and probe reports. */
export type WorkspacePodState = { kind: 'ready' } | { kind: 'waiting'; reason: string; imagePullFailing?: boolean } | { kind: 'gone'; reason: string };

export function workspacePodState(pod: V1Pod | undefined): WorkspacePodState {
  if (!pod) return { kind: 'gone', reason: 'does not exist' };
  if (pod.metadata?.deletionTimestamp) return { kind: 'gone', reason: 'is being deleted' };
  const phase = pod.status?.phase;
  if (phase === 'Failed' || phase === 'Succeeded') {
    const ended = pod.status?.containerStatuses?.find((c) => SERVER_CONTAINERS.includes(c.name))?.state?.terminated;
    const why = [pod.status?.reason, ended?.reason, ended?.message?.trim()].filter(Boolean).join(': ');
    return { kind: 'gone', reason: `ended (${phase}${why ? `: ${why}` : ''})` };
  }
  if (pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return { kind: 'ready' };
  const held = podPendingReason(pod);
  if (held) return { kind: 'waiting', ...held };
  if (!pod.spec?.nodeName) return { kind: 'waiting', reason: 'waiting to be scheduled' };
  const server = pod.status?.containerStatuses?.find((c) => SERVER_CONTAINERS.includes(c.name));
  if (server?.state?.waiting?.reason === 'CrashLoopBackOff') {
    return {
      kind: 'waiting',
      reason: `the server (${server.name}) keeps exiting: ${server.lastState?.terminated?.message?.trim() || server.state.waiting.message || 'see the pod log'}`,
    };
  }
  return { kind: 'waiting', reason: 'starting (fetching the files, installing the server, starting it)' };
}
