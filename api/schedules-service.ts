import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client, type ScheduleDescription, type ScheduleHandle } from '@temporalio/client';
import { optionalDateToTs, tsToMs } from '@temporalio/common/lib/time.js';
import { ConflictError, NotFoundError, SpecValidationError } from '../core/errors.js';
import type { MetadataStore } from '../core/metadata/metadata-store.js';
import type { ModelVersionRecord } from '../core/metadata/models-repository.js';
import { resolveRun } from '../core/runs/resolve-run.js';
import { SCHEDULE_ID_PREFIX, scheduleCreateOptions, scheduleId, scheduleUpdateOptions, temporalOverlap } from '../core/schedules/schedule-options.js';
import { BackfillRequest, MAX_BACKFILL_RUNS, ScheduleSpec, describeCadence, parseSpec } from '../core/specs/index.js';
import type { ScheduledPipelineStart } from '../workflows/pipeline-input.js';

export interface ScheduleRunView {
  run_id: string;
  /** The nominal fire time (jitter included) and when Temporal started the run. */
  scheduled_at: string;
  taken_at: string;
  status: string;
  model_version?: number;
  /** What the promote step said (champion, challenger, waiting for approval). */
  promotion?: string;
  error?: string;
}

export interface ScheduleView {
  name: string;
  project: string;
  cadence: string;
  paused: boolean;
  note?: string;
  spec: ScheduleSpec;
  next_fire_times: string[];
  recent_runs: ScheduleRunView[];
  running: string[];
  actions_taken: number;
  skipped_overlap: number;
  missed_catchup_window: number;
  created_at: string;
  web_ui_url?: string;
}

export interface SchedulesServiceOptions {
  temporal: Client;
  metadata: MetadataStore;
  taskQueue: string;
  namespace: string;
  webUiUrl?: string;
}

/**
 * Schedules are Temporal Schedules: Kiln keeps no cron of its own. The schedule's action holds
 * the whole spec, so what `show` prints is what Temporal runs.
 */
export class SchedulesService {
  constructor(private readonly options: SchedulesServiceOptions) {}

  private handle(name: string): ScheduleHandle {
    return this.options.temporal.schedule.getHandle(scheduleId(name));
  }

  /** Creates the schedule, or updates the one with that name in place (never a second one). */
  async apply(body: unknown): Promise<ScheduleView & { created: boolean }> {
    const spec = parseSpec(ScheduleSpec, body, 'schedule');
    const project = await this.options.metadata.projects.get(spec.project);
    if (!project) throw new SpecValidationError([{ path: 'schedule.project', message: `project "${spec.project}" is not registered` }]);
    // The overrides must fit the project now, as a run started by hand must (they are checked again at each fire).
    await resolveRun(this.options.metadata, { project: spec.project, params: spec.params, run_policy: spec.run_policy, cache: true }).catch(
      (error: unknown) => {
        if (error instanceof SpecValidationError) throw new SpecValidationError(error.problems.map((p) => ({ ...p, path: `schedule.${p.path}` })));
        throw error;
      },
    );
    const context = { taskQueue: this.options.taskQueue, modelName: project.spec.model_name ?? project.spec.name };
    const existing = await this.describeOrUndefined(spec.name);
    let created = false;
    if (!existing) {
      try {
        await this.options.temporal.schedule.create(scheduleCreateOptions(spec, context));
        created = true;
      } catch (error) {
        if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      }
    }
    if (!created) {
      const current = existing ?? (await this.describe(spec.name));
      const was = specOf(current);
      if (was && was.project !== spec.project)
        throw new ConflictError('schedule', `schedule ${spec.name} runs project ${was.project}; delete it before pointing the name at ${spec.project}`);
      await this.handle(spec.name).update((previous) =>
        scheduleUpdateOptions(spec, { ...context, paused: spec.paused ?? previous.state.paused, note: spec.note ?? previous.state.note }),
      );
    }
    return { ...(await this.get(spec.name)), created };
  }

  async list(): Promise<ScheduleView[]> {
    const names: string[] = [];
    for await (const summary of this.options.temporal.schedule.list()) {
      if (summary.scheduleId.startsWith(SCHEDULE_ID_PREFIX)) names.push(summary.scheduleId.slice(SCHEDULE_ID_PREFIX.length));
    }
    const views = await Promise.all(
      names.map((name) => this.get(name).catch((error: unknown) => (error instanceof NotFoundError ? undefined : Promise.reject(error)))),
    );
    return views.filter((v): v is ScheduleView => v !== undefined).sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<ScheduleView> {
    return this.view(name, await this.describe(name));
  }

  async delete(name: string): Promise<{ name: string; deleted: true }> {
    await this.describe(name);
    await this.handle(name).delete();
    return { name, deleted: true };
  }

  async pause(name: string, note?: string): Promise<ScheduleView> {
    await this.describe(name);
    await this.handle(name).pause(note ?? 'paused with kiln schedule pause');
    return this.get(name);
  }

  async unpause(name: string, note?: string): Promise<ScheduleView> {
    await this.describe(name);
    await this.handle(name).unpause(note ?? 'unpaused with kiln schedule unpause');
    return this.get(name);
  }

  /** Runs the schedule's action now, under its own overlap policy. */
  async trigger(name: string): Promise<{ name: string; triggered: true; overlap: string }> {
    const spec = specOf(await this.describe(name));
    const overlap = spec?.overlap ?? 'skip';
    await this.handle(name).trigger(temporalOverlap(overlap));
    return { name, triggered: true, overlap };
  }

  /** Runs every fire time in [start, end] now, each with its nominal time; at most MAX_BACKFILL_RUNS. */
  async backfill(name: string, body: unknown): Promise<{ name: string; runs: number; fire_times: string[] }> {
    const request = parseSpec(BackfillRequest, body);
    await this.describe(name);
    // Temporal backfills both ends inclusively but lists matching times after `start`: ask from 1 ms before.
    const matching = await this.options.temporal.connection.workflowService.listScheduleMatchingTimes({
      namespace: this.options.namespace,
      scheduleId: scheduleId(name),
      startTime: optionalDateToTs(new Date(Date.parse(request.start) - 1)),
      endTime: optionalDateToTs(new Date(request.end)),
    });
    const times = (matching.startTime ?? []).map((ts) => new Date(tsToMs(ts)).toISOString());
    // The server lists at most 1000: a full list that stops short of `end` means there are more.
    if (times.length > MAX_BACKFILL_RUNS || (times.length === MAX_BACKFILL_RUNS && Date.parse(times.at(-1)!) < Date.parse(request.end))) {
      throw new SpecValidationError([
        {
          path: 'end',
          message: `${request.start} to ${request.end} covers more than ${MAX_BACKFILL_RUNS} fire times of ${name}; a backfill may start at most ${MAX_BACKFILL_RUNS}`,
        },
      ]);
    }
    if (times.length === 0) throw new SpecValidationError([{ path: 'start', message: `no fire time of ${name} between ${request.start} and ${request.end}` }]);
    await this.handle(name).backfill({ start: new Date(request.start), end: new Date(request.end), overlap: temporalOverlap(request.overlap) });
    return { name, runs: times.length, fire_times: times };
  }

  /** The project a schedule runs, for access control; undefined when there is no such Kiln schedule. */
  async projectOf(name: string): Promise<string | undefined> {
    const description = await this.describeOrUndefined(name);
    return description && specOf(description)?.project;
  }

  private async describe(name: string): Promise<ScheduleDescription> {
    const found = await this.describeOrUndefined(name);
    if (!found) throw new NotFoundError('schedule', name);
    return found;
  }

  private async describeOrUndefined(name: string): Promise<ScheduleDescription | undefined> {
    try {
      return await this.handle(name).describe();
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) return undefined;
      throw error;
    }
  }

  private async view(name: string, description: ScheduleDescription): Promise<ScheduleView> {
    const spec = specOf(description);
    if (!spec) throw new ConflictError('schedule', `${scheduleId(name)} exists but was not created by Kiln`);
    const { info, state } = description;
    const versionsOf = memoizeOne((model: string) => this.options.metadata.models.list(model));
    const recent = await Promise.all(
      info.recentActions
        .slice(-10)
        .reverse()
        .map((action) => this.recentRun(action.action.workflow.workflowId, action.scheduledAt, action.takenAt, versionsOf)),
    );
    const base = this.options.webUiUrl;
    return {
      name,
      project: spec.project,
      cadence: describeCadence(spec),
      paused: state.paused,
      ...(state.note ? { note: state.note } : {}),
      spec,
      next_fire_times: info.nextActionTimes.slice(0, 5).map((t) => t.toISOString()),
      recent_runs: recent,
      running: info.runningActions.map((a) => a.workflow.workflowId),
      actions_taken: info.numActionsTaken,
      skipped_overlap: info.numActionsSkippedOverlap,
      missed_catchup_window: info.numActionsMissedCatchupWindow,
      created_at: info.createdAt.toISOString(),
      ...(base ? { web_ui_url: `${base}/namespaces/${this.options.namespace}/schedules/${encodeURIComponent(scheduleId(name))}` } : {}),
    };
  }

  private async recentRun(
    runId: string,
    scheduledAt: Date,
    takenAt: Date,
    versionsOf: (model: string) => Promise<ModelVersionRecord[]>,
  ): Promise<ScheduleRunView> {
    const { metadata } = this.options;
    const record = await metadata.runs.getRun(runId);
    const base = { run_id: runId, scheduled_at: scheduledAt.toISOString(), taken_at: takenAt.toISOString() };
    if (!record) {
      // No record yet (not started) or never (it failed before its first step, e.g. the project is gone).
      const handle = this.options.temporal.workflow.getHandle(runId);
      const described = await handle.describe().catch(() => undefined);
      if (!described || described.status.name === 'RUNNING') return { ...base, status: 'queued' };
      const error =
        described.status.name === 'FAILED'
          ? await handle.result().then(
              () => undefined,
              (e: unknown) => ((e as Error).cause as Error | undefined)?.message,
            )
          : undefined;
      return { ...base, status: described.status.name.toLowerCase(), ...(error ? { error } : {}) };
    }
    const version = (await versionsOf(record.modelName)).find((v) => v.runId === runId)?.version;
    const promote = record.stages.find((s) => s.stage === 'promote')?.message ?? undefined;
    return {
      ...base,
      status: record.status,
      ...(version ? { model_version: version } : {}),
      ...(promote ? { promotion: promote } : {}),
      ...(record.error ? { error: record.error } : {}),
    };
  }
}

/** `fn` by argument, each called once (a schedule's runs are all of one model). */
function memoizeOne<A, R>(fn: (arg: A) => Promise<R>): (arg: A) => Promise<R> {
  const seen = new Map<A, Promise<R>>();
  return (arg) => {
    if (!seen.has(arg)) seen.set(arg, fn(arg));
    return seen.get(arg)!;
  };
}

/** The Kiln spec a schedule's action carries, if it is one of Kiln's. */
function specOf(description: ScheduleDescription): ScheduleSpec | undefined {
  const action = description.action;
  if (action.type !== 'startWorkflow') return undefined;
  const start = action.args?.[0] as ScheduledPipelineStart | undefined;
  const parsed = ScheduleSpec.safeParse(start?.scheduled?.spec);
  return parsed.success ? parsed.data : undefined;
}
