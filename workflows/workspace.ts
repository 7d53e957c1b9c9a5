import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { EnvironmentRef } from '../activities/environments.js';
import type { KilnActivities } from '../activities/index.js';
import { nonRetriedTypes } from '../core/pipeline/failure-class.js';
import { KilnRunStatus } from '../core/temporal/search-attributes.js';
import { idleVerdict } from '../core/workspaces/idle-verdict.js';

export interface WorkspaceInput {
  name: string;
  /** The environment it runs in (built first, shared with runs by digest). */
  environment: EnvironmentRef;
  idleTimeoutMs: number;
  /** Stop this long after each start; absent: never. */
  maxLifetimeMs?: number;
  /** Time between two looks at the server (health and last activity). */
  checkEveryMs: number;
  /** Carried across continue-as-new: the server already runs, started at this time (epoch ms). */
  runningSince?: number;
  /** Carried across continue-as-new: the workspace is stopped and waits for `start`. */
  stopped?: boolean;
}

export type WorkspacePhase = 'building' | 'starting' | 'running' | 'stopping' | 'stopped' | 'deleting';

export interface WorkspaceState {
  phase: WorkspacePhase;
  /** Why it last stopped. */
  reason: string | null;
  starts: number;
}

export const workspaceStateQuery = defineQuery<WorkspaceState>('workspaceState');
export const startWorkspaceSignal = defineSignal('startWorkspace');
export const stopWorkspaceSignal = defineSignal('stopWorkspace');
export const deleteWorkspaceSignal = defineSignal('deleteWorkspace');
/** Stores the workspace's `src/` as a project source snapshot (`kiln workspace snapshot`); a run trains on it by digest. */
export const snapshotWorkspaceUpdate = defineUpdate<{ digest: string; fileCount: number }>('snapshotWorkspace');

const { awaitEnvironmentBuild } = proxyActivities<KilnActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '1 minute',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: nonRetriedTypes('EnvironmentBuildError', 'EnvironmentUnavailableError') },
  summary: 'build the environment',
});
const { prepareWorkspace, startWorkspaceServer } = proxyActivities<KilnActivities>({
  // A first start may install JupyterLab for the environment's Python.
  startToCloseTimeout: '15 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: nonRetriedTypes('NotFoundError', 'EnvironmentUnavailableError') },
});
const { snapshotWorkspaceSource } = proxyActivities<KilnActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { maximumAttempts: 3, nonRetryableErrorTypes: nonRetriedTypes('SpecValidationError') },
  summary: 'snapshot the source',
});
const { probeWorkspace, stopWorkspaceServer, removeWorkspace } = proxyActivities<KilnActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 10, maximumInterval: '10 seconds' },
});

/**
 * Owns one workspace's life (issue 17): builds its environment, copies its files in, starts its
 * server and looks at it every `checkEveryMs`; stops it after `idleTimeoutMs` without activity,
 * at `maxLifetimeMs`, on `stop`, or when it dies; starts it again on `start` (same files);
 * deletes it on `delete`. The server's token never passes through here.
 */
export async function workspaceWorkflow(input: WorkspaceInput): Promise<WorkspaceState> {
  const state: WorkspaceState = { phase: input.stopped ? 'stopped' : 'building', reason: null, starts: 0 };
  let wanted: 'start' | 'stop' | 'delete' | null = null;
  setHandler(workspaceStateQuery, () => state);
  setHandler(startWorkspaceSignal, () => {
    if (wanted !== 'delete') wanted = 'start';
  });
  setHandler(stopWorkspaceSignal, () => {
    if (wanted !== 'delete') wanted = 'stop';
  });
  setHandler(deleteWorkspaceSignal, () => {
    wanted = 'delete';
  });
  setHandler(snapshotWorkspaceUpdate, () => snapshotWorkspaceSource({ name: input.name }), {
    validator: () => {
      if (wanted === 'delete' || state.phase === 'deleting') throw new Error('the workspace is being deleted');
    },
  });
  const show = (details: string, status: string) => {
    setCurrentDetails(`**${input.name}**: ${details}`);
    upsertSearchAttributes([{ key: KilnRunStatus, value: status }]);
  };

  let runningSince = input.runningSince;
  // Files are copied in once per workflow chain: a continued or stopped one already has them.
  let prepared = input.stopped === true || runningSince !== undefined;

  while (wanted !== 'delete') {
    if (state.phase === 'stopped') {
      show(`stopped (${state.reason ?? 'as asked'}); waiting for start`, 'stopped');
      await condition(() => wanted !== null);
      if (wanted === 'delete') break;
      wanted = null;
    }
    if (runningSince === undefined) {
      try {
        if (!prepared) show(`building environment ${input.environment.name}…`, 'building');
        // An environment edited since the last start is built first (a no-op when it is current).
        await awaitEnvironmentBuild(input.environment);
        if (!prepared) await prepareWorkspace({ name: input.name });
        prepared = true;
        state.phase = 'starting';
        show('starting the server…', 'starting');
        await startWorkspaceServer({ name: input.name, digest: input.environment.digest });
      } catch (error) {
        if (isCancellation(error)) throw error;
        // A start that failed for good leaves the workspace stopped with the reason; `start` tries again.
        state.reason = `could not start: ${messageOf(error)}`;
        await stopWorkspaceServer({ name: input.name, status: 'failed', reason: state.reason });
        state.phase = 'stopped';
        continue;
      }
      runningSince = Date.now();
      state.starts++;
    }
    state.phase = 'running';
    show('running', 'running');
    const reason = await watch(input, runningSince, () => wanted);
    // Taken now, not after the stop: a `start` sent while the server stops must start it again.
    if (wanted === 'stop' || wanted === 'start') wanted = null;
    if (reason === 'continue') {
      await condition(allHandlersFinished);
      await continueAsNew<typeof workspaceWorkflow>({ ...input, runningSince, stopped: false });
    }
    state.phase = 'stopping';
    await stopWorkspaceServer({ name: input.name, status: reason === 'the server exited' ? 'failed' : 'stopped', reason });
    state.phase = 'stopped';
    state.reason = reason;
    runningSince = undefined;
    if (workflowInfo().continueAsNewSuggested && wanted === null) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof workspaceWorkflow>({ ...input, stopped: true, runningSince: undefined });
    }
  }

  state.phase = 'deleting';
  show('deleting', 'deleting');
  await condition(allHandlersFinished);
  await stopWorkspaceServer({ name: input.name, status: 'stopped', reason: 'deleted' });
  await removeWorkspace({ name: input.name });
  show('deleted', 'deleted');
  return state;
}

/** Looks at the running server until a reason to stop it comes: returns that reason (or `continue` for a fresh history). */
async function watch(input: WorkspaceInput, runningSince: number, wanted: () => string | null): Promise<string> {
  for (;;) {
    if (await condition(() => wanted() === 'stop' || wanted() === 'delete', input.checkEveryMs)) {
      return wanted() === 'delete' ? 'deleted' : 'stopped by request';
    }
    const probe = await probeWorkspace({ name: input.name });
    const verdict = idleVerdict({
      now: Date.now(),
      runningSince,
      alive: probe.alive,
      lastActivityMs: probe.lastActivityMs,
      idleTimeoutMs: input.idleTimeoutMs,
      ...(input.maxLifetimeMs !== undefined ? { maxLifetimeMs: input.maxLifetimeMs } : {}),
    });
    if (verdict) return verdict;
    if (workflowInfo().continueAsNewSuggested) return 'continue';
  }
}

function messageOf(error: unknown): string {
  const cause = (error as { cause?: { message?: string } }).cause;
  return cause?.message ?? (error instanceof Error ? error.message : String(error));
}
