/**
 * The monitor schedule on the real dev server follows the project's `monitoring`: created on
 * the first apply, updated in place (a pause made on the Web UI kept), deleted without it.
 */
import { describe, expect, it } from 'vitest';
import { monitorScheduleId, syncMonitorSchedule } from '../../core/schedules/monitor-schedule.js';
import { ProjectSpec } from '../../core/specs/project.js';
import { installQuietRuntime, uniqueId, useTemporalEnv } from './workflow-harness.js';

installQuietRuntime();

const env = useTemporalEnv();

describe('syncMonitorSchedule', () => {
  it('creates, updates (keeping a pause) and deletes the kiln-monitor-<model> schedule', async () => {
    const name = uniqueId('monitored');
    const spec = (monitoring?: object) =>
      ProjectSpec.parse({
        name,
        source_dir: '/src/m',
        dataset: 'd',
        entrypoints: { train: 'train.py', evaluate: 'evaluate.py' },
        ...(monitoring ? { monitoring } : {}),
      });
    const context = { taskQueue: 'kiln-monitor-test' };
    const handle = env.client.schedule.getHandle(monitorScheduleId(name));

    expect(await syncMonitorSchedule(env.client, spec({ window: '1h' }), context)).toBe('created');
    await handle.pause('held on the Web UI');
    expect(await syncMonitorSchedule(env.client, spec({ window: '2h', schedule: '30m', on_drift: 'retrain' }), context)).toBe('updated');
    const described = await handle.describe();
    expect(described.state.paused).toBe(true);
    expect(described.spec.intervals?.map((i) => i.every)).toEqual([30 * 60_000]);
    expect(described.action).toMatchObject({ workflowType: 'monitorModelWorkflow', args: [{ project: name, model: name, intervalMs: 30 * 60_000 }] });

    expect(await syncMonitorSchedule(env.client, spec(), context)).toBe('deleted');
    expect(await syncMonitorSchedule(env.client, spec(), context)).toBe('absent');
  });
});
