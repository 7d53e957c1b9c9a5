import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { secretFromEnv } from '../core/config.js';
import { EnvironmentUnavailableError, NotFoundError } from '../core/errors.js';
import { idempotentRunId } from '../core/pipeline/idempotent-run-id.js';
import { gpuQueueOf } from '../core/pipeline/stage-resources.js';
import { expirePredictions, readPredictions } from '../core/monitoring/prediction-log/read-predictions.js';
import { computeMonitoringReport, summarize, type MonitoringSummary } from '../core/monitoring/report/compute-report.js';
import { getMonitoringReport, putMonitoringReport } from '../core/monitoring/report/report-store.js';
import { resolveRun } from '../core/runs/resolve-run.js';
import { startPipelineRunOnce } from '../core/runs/start-pipeline.js';
import { durationMs } from '../core/specs/duration.js';
import type { MonitoringSpec } from '../core/specs/monitoring.js';
import { RunRequest } from '../core/specs/run-request.js';
import type { ActivityDeps } from './activity-deps.js';
import { classified } from './failures.js';
import { heartbeating } from './heartbeating.js';
import { referenceProfileOf } from './reference-profile.js';
import { kilnMetrics } from '../core/metrics/kiln-metrics.js';

/** One window of one model's monitor: the project whose `monitoring` spec applies, and when the window ends (ISO). */
export interface MonitorWindow {
  project: string;
  model: string;
  windowEnd: string;
}

/** A report was written, or the window was skipped (nothing serves, or the project no longer monitors). */
export type MonitoringOutcome = ({ status: 'reported' } & MonitoringSummary) | { status: 'skipped'; reason: string };

/** Header carrying `sha256=<hex HMAC-SHA256 of the body>` when the alert names a `secret_env`. */
export const SIGNATURE_HEADER = 'X-Kiln-Signature';

/** The run a drifted window starts: one id per (project, model, window end), so a repeated monitor run starts it once. */
export function driftRunId(project: string, model: string, windowEnd: string): string {
  return idempotentRunId(project, `drift:${model}:${windowEnd}`);
}

/** The monitor's side effects (workflows/monitor-model.ts): the report, the retraining run, the webhook. */
export function createMonitoringActivities(deps: ActivityDeps) {
  const { metadata, artifacts, temporal, config } = deps;

  async function monitoringOf(project: string): Promise<MonitoringSpec | undefined> {
    const record = await metadata.projects.get(project);
    if (!record) throw new NotFoundError('project', project);
    return record.spec.monitoring;
  }

  return {
    /**
     * Compares the window's logged inputs and predictions of the serving version with the profile
     * of its training data, joins the window's feedback, stores the report, and drops logged
     * predictions older than the retention. A repeated window overwrites its own report.
     */
    async writeMonitoringReport({ project, model, windowEnd }: MonitorWindow): Promise<MonitoringOutcome> {
      return classified(() =>
        heartbeating(async () => {
          const spec = await monitoringOf(project);
          if (!spec) return { status: 'skipped', reason: `project ${project} has no monitoring` };
          const deployment = await metadata.models.currentDeployment(model);
          if (!deployment) return { status: 'skipped', reason: `model ${model} is not served` };
          const to = new Date(windowEnd);
          const from = new Date(to.getTime() - durationMs(spec.window));
          const { version } = deployment;
          const [reference, logged, feedback, modelVersion] = await Promise.all([
            referenceProfileOf(deps, model, version),
            readPredictions(artifacts, model, [version], { from, to }),
            metadata.feedback.forWindow(model, from.getTime(), to.getTime()),
            metadata.models.get(model, version),
          ]);
          const report = computeMonitoringReport({
            model,
            window: { from, to },
            servingVersion: version,
            versions: [version],
            reference,
            logged,
            labelled: feedback.filter((f) => f.version === version),
            testMetrics: modelVersion?.metrics ?? {},
            spec,
            createdAt: new Date(),
          });
          const key = await putMonitoringReport(artifacts, report);
          for (const entry of [...report.features, ...(report.prediction_drift ? [report.prediction_drift] : [])])
            if (entry.psi !== null) kilnMetrics.driftPsi.set({ model, feature: entry.feature }, entry.psi);
          kilnMetrics.driftDetected.set({ model }, report.drifted ? 1 : 0);
          await expirePredictions(artifacts, model, new Date(Date.now() - config.predictionRetentionDays * 86_400_000));
          return { status: 'reported', ...summarize(report, key) };
        }),
      );
    },

    /** Starts the project's retraining run for a drifted window, once: a second call finds its id taken. */
    async startDriftRetrain({ project, model, windowEnd }: MonitorWindow): Promise<{ runId: string; existing: boolean }> {
      return classified(async () => {
        // Windows overlap (a 1 h window every 15 min), so one drift shows in several: a retrain
        // started within the last window answers for them all, rather than one run per window.
        const spec = await monitoringOf(project);
        const since = new Date(windowEnd).getTime() - (spec ? durationMs(spec.window) : 0);
        const [recent] = await metadata.runs.listRuns({ project, trigger: 'drift', limit: 1 });
        if (recent && recent.createdAt >= since) return { runId: recent.id, existing: true };
        const gpuQueue = gpuQueueOf(config);
        const resolved = await resolveRun(metadata, RunRequest.parse({ project }), gpuQueue ? { gpuTaskQueue: gpuQueue } : {});
        const runId = driftRunId(project, model, windowEnd);
        return startPipelineRunOnce(temporal, config.taskQueue, { runId, ...resolved, trigger: { kind: 'drift', driftWindowEnd: windowEnd } });
      });
    },

    /**
     * Posts the drifted window's report to `monitoring.alert.url`, signed with the secret in the
     * worker's `secret_env` variable. Failures are retried by the workflow's retry policy, except
     * a 4xx answer (other than 408 and 429) and a missing secret, which retrying cannot fix.
     */
    async sendDriftAlert({ project, reportKey }: { project: string; reportKey: string }): Promise<{ status: number }> {
      return classified(async () => {
        const alert = (await monitoringOf(project))?.alert;
        if (!alert) throw new EnvironmentUnavailableError('monitoring.alert', `project ${project} has no monitoring.alert to post to`);
        const report = await getMonitoringReport(artifacts, reportKey);
        const body = JSON.stringify({ kind: 'kiln.monitoring.drift', project, report_key: reportKey, report });
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (alert.secret_env) {
          const secret = secretFromEnv(alert.secret_env);
          if (!secret) throw new EnvironmentUnavailableError('monitoring.alert.secret_env', `the worker has no ${alert.secret_env} to sign the alert with`);
          headers[SIGNATURE_HEADER] = signatureOf(body, secret);
        }
        const response = await fetch(alert.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
        if (response.ok) return { status: response.status };
        const message = `${alert.url} answered ${response.status}`;
        const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
        throw ApplicationFailure.create({ type: 'DriftAlertRejected', message, nonRetryable: !retryable });
      });
    },
  };
}

/** `sha256=<hex>`: the HMAC-SHA256 of the exact body bytes, as GitHub-style webhook receivers check it. */
export function signatureOf(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
