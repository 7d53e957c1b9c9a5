import { describe, expect, it } from 'vitest';
import { modelNameOf, monitorScheduleId, monitorScheduleUpdate } from '../../../core/schedules/monitor-schedule.js';
import { ProjectSpec } from '../../../core/specs/project.js';

const project = ProjectSpec.parse({
  name: 'bc-project',
  model_name: 'breast-cancer',
  source_dir: '/src/bc',
  dataset: 'breast-cancer',
  entrypoints: { train: 'train.py:Model', evaluate: 'evaluate.py' },
  monitoring: { window: '2h', schedule: '30m', on_drift: 'retrain' },
});

describe('the monitor schedule of a project with monitoring', () => {
  it('is one per model, fires every monitoring.schedule and starts monitorModelWorkflow with the interval in ms', () => {
    expect(monitorScheduleId(modelNameOf(project))).toBe('kiln-monitor-breast-cancer');
    const options = monitorScheduleUpdate(project, project.monitoring!, { taskQueue: 'kiln', paused: false });
    expect(options.spec).toEqual({ intervals: [{ every: '30m' }] });
    expect(options.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'monitorModelWorkflow',
      workflowId: 'kiln-monitor-breast-cancer',
      taskQueue: 'kiln',
      args: [{ project: 'bc-project', model: 'breast-cancer', intervalMs: 30 * 60_000 }],
    });
    // A slow window is not piled up behind, and a missed one is not caught up.
    expect(options.policies).toMatchObject({ overlap: 'SKIP', catchupWindow: '1 minute' });
  });

  it('keeps a pause and its note', () => {
    expect(monitorScheduleUpdate(project, project.monitoring!, { taskQueue: 'kiln', paused: true, note: 'maintenance' }).state).toEqual({
      paused: true,
      note: 'maintenance',
    });
  });

  it('defaults the schedule to the window', () => {
    const hourly = ProjectSpec.parse({ ...project, model_name: undefined, monitoring: { window: '1h' } });
    expect(monitorScheduleUpdate(hourly, hourly.monitoring!, { taskQueue: 'kiln', paused: false }).spec).toEqual({ intervals: [{ every: '1h' }] });
    expect(modelNameOf(hourly)).toBe('bc-project');
  });
});
