import type { MonitorWindow } from '../../../activities/monitoring.js';
import type { MonitorModelInput } from '../../../workflows/monitor-model.js';
import { fakeActivities, monitoringReported } from '../workflow-harness.js';
import type { Scenario } from './scenario.js';

const HOUR = 3_600_000;

/** A monitor run as its schedule starts it (workflow id `kiln-monitor-<model>-<fire time>`). */
function monitorScenario(name: string, drift: Parameters<typeof monitoringReported>[1], windowEnd?: string): Scenario {
  return {
    name,
    setup: (env) => {
      const input: MonitorModelInput = { project: 'iris', model: 'iris', intervalMs: HOUR, ...(windowEnd ? { windowEnd } : {}) };
      return {
        activities: fakeActivities({ writeMonitoringReport: async (w: MonitorWindow) => monitoringReported(w.windowEnd, drift) }).activities,
        start: (q) =>
          env.client.workflow.start('monitorModelWorkflow', { taskQueue: q, workflowId: `kiln-monitor-iris-${windowEnd ?? 'latest'}`, args: [input] }),
      };
    },
  };
}

/** The monitor's three paths: a stable window (its end worked out from the run's start), retraining, an alert. */
export const monitorScenarios: Scenario[] = [
  monitorScenario('monitor-report-only', { drifted: false }),
  monitorScenario('monitor-drift-retrain', { drifted: true, onDrift: 'retrain' }, '2025-03-01T12:00:00.000Z'),
  monitorScenario('monitor-drift-alert', { drifted: true, onDrift: 'alert' }, '2025-03-01T12:00:00.000Z'),
];
