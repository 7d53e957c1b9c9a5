import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

const E = proto.temporal.api.enums.v1.EventType;

export interface Interval {
  start: number;
  end: number;
}

export interface ActivityTiming extends Interval {
  type: string;
  scheduled: number;
}

/** What Temporal recorded about one workflow execution, as epoch-ms intervals. */
export interface RunHistory {
  workflowStarted: number;
  workflowClosed: number;
  /** Each activity from start to completion, with when it was scheduled. */
  activities: ActivityTiming[];
  /** Each workflow task from started to completed (the worker running workflow code). */
  workflowTasks: Interval[];
  /** Each workflow task from scheduled to started (waiting for dispatch to the worker). */
  workflowTaskWaits: Interval[];
  /** Events in the history, and of them local-activity markers and search-attribute upserts: the dev server's work per run. */
  counts: { events: number; localActivities: number; upserts: number };
}

type Timestamp = { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined;

function ms(ts: Timestamp): number {
  if (!ts) return NaN;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : (ts.seconds?.toNumber() ?? 0);
  return seconds * 1000 + (ts.nanos ?? 0) / 1e6;
}

const id = (v: { toString(): string } | number | null | undefined) => String(v ?? '');

export async function fetchRunHistory(client: Client, workflowId: string): Promise<RunHistory> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const scheduled = new Map<string, { type: string; at: number }>();
  const started = new Map<string, number>();
  const wftStarted = new Map<string, number>();
  const result: RunHistory = {
    workflowStarted: NaN,
    workflowClosed: NaN,
    activities: [],
    workflowTasks: [],
    workflowTaskWaits: [],
    counts: { events: events.length, localActivities: 0, upserts: 0 },
  };
  const wftScheduled = new Map<string, number>();
  for (const event of events) {
    const at = ms(event.eventTime as Timestamp);
    switch (event.eventType) {
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        result.workflowStarted = at;
        break;
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
        result.workflowClosed = at;
        break;
      case E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
        wftScheduled.set(id(event.eventId), at);
        break;
      case E.EVENT_TYPE_WORKFLOW_TASK_STARTED: {
        wftStarted.set(id(event.eventId), at);
        const scheduledAt = wftScheduled.get(id(event.workflowTaskStartedEventAttributes?.scheduledEventId));
        if (scheduledAt !== undefined) result.workflowTaskWaits.push({ start: scheduledAt, end: at });
        break;
      }
      case E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: {
        const start = wftStarted.get(id(event.workflowTaskCompletedEventAttributes?.startedEventId));
        if (start !== undefined) result.workflowTasks.push({ start, end: at });
        break;
      }
      case E.EVENT_TYPE_MARKER_RECORDED:
        if (event.markerRecordedEventAttributes?.markerName === 'core_local_activity') result.counts.localActivities++;
        break;
      case E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
        result.counts.upserts++;
        break;
      case E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        scheduled.set(id(event.eventId), { type: event.activityTaskScheduledEventAttributes?.activityType?.name ?? '?', at });
        break;
      case E.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        started.set(id(event.eventId), at);
        break;
      case E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: {
        const attrs = event.activityTaskCompletedEventAttributes;
        const s = scheduled.get(id(attrs?.scheduledEventId));
        const start = started.get(id(attrs?.startedEventId));
        if (s && start !== undefined) result.activities.push({ type: s.type, scheduled: s.at, start, end: at });
        break;
      }
    }
  }
  return result;
}
