import type { WorkflowHandle, WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import type proto from '@temporalio/proto';
import type { KilnActivities } from '../../../activities/index.js';
import type { TemporalEnv } from '../workflow-harness.js';

export type History = proto.temporal.api.history.v1.IHistory;

/** How a recorded run must end; the recorder refuses a history that took another path. */
export type RunEnd = 'COMPLETED' | 'FAILED' | 'CANCELLED';

/** One path through a workflow, recorded as test/workflows/histories/<name>.json. */
export interface Scenario {
  name: string;
  /** Default COMPLETED (after any continue-as-new: the last run's end). */
  ends?: RunEnd;
  /** Fresh state for one recording: test doubles and what happens while the run goes on. */
  setup(env: TemporalEnv): ScenarioRun;
}

export interface ScenarioRun {
  activities: Partial<KilnActivities>;
  start(taskQueue: string): Promise<WorkflowHandleWithFirstExecutionRunId>;
  /** What a person (or an activity) does while the run goes on: approve, cancel, stop, extend. */
  drive?(handle: WorkflowHandle): Promise<void>;
  /** Further histories this run produced, by name: a trial's child workflow, the run before continue-as-new. */
  more?(handle: WorkflowHandleWithFirstExecutionRunId): Promise<Record<string, History>>;
}

/** Polls `check` every 50 ms until it holds (10 s at most). */
export async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting: ${what}`);
}
