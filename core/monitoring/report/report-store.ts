import { monitoringReportKey, monitoringReportsPrefix } from '../../artifacts/artifact-keys.js';
import type { ArtifactStore } from '../../artifacts/artifact-store.js';
import { MonitoringReport } from './monitoring-report.js';

/** Stores a window's report; a window monitored again (a retried activity, a manual trigger) overwrites its own. */
export async function putMonitoringReport(store: ArtifactStore, report: MonitoringReport): Promise<string> {
  const key = monitoringReportKey(report.model, new Date(report.window.to));
  await store.put(key, `${JSON.stringify(report)}\n`);
  return key;
}

/** A model's newest reports first, at most `limit`. Keys sort by window end, so only `limit` objects are read. */
export async function listMonitoringReports(store: ArtifactStore, model: string, limit: number): Promise<MonitoringReport[]> {
  const keys = (await store.list(monitoringReportsPrefix(model))).filter((key) => key.endsWith('.json'));
  const newest = keys.sort().reverse().slice(0, limit);
  return Promise.all(newest.map((key) => getMonitoringReport(store, key)));
}

export async function getMonitoringReport(store: ArtifactStore, key: string): Promise<MonitoringReport> {
  return MonitoringReport.parse(JSON.parse((await store.getBuffer(key)).toString('utf8')));
}
