import { join } from 'node:path';
import type { KilnConfig } from '../../core/config.js';
import { parseCsv } from '../../core/datasets/csv-reader.js';
import { findPredictions } from '../../core/monitoring/prediction-log/read-predictions.js';
import { WORKFLOW_TYPES } from '../../core/pipeline/workflow-ids.js';
import type { MonitorModelInput, MonitorModelResult } from '../../workflows/monitor-model.js';
import { startEmbeddedStack, type EmbeddedStack } from '../../workers/embedded-stack.js';
import { KilnApiClient } from '../client/kiln-api-client.js';
import { applySpecFile, readSpecFile } from './apply-file.js';
import { watchRun } from './watch-run.js';

/** The features the second batch shifts (by three of their standard deviations). */
export const SHIFTED_FEATURES = ['mean radius', 'mean texture'] as const;
const PREDICTIONS_PER_BATCH = 1_000;
const INSTANCES_PER_REQUEST = 50;
const HOUR_MS = 3_600_000;

export interface MonitoringDemoResult {
  /** Features the first (unshifted) window's report flags: none expected. */
  firstDrifted: string[];
  /** Features the second window's report flags: exactly SHIFTED_FEATURES expected. */
  secondDrifted: string[];
  /** Live accuracy from feedback, and the accuracy of the same predictions computed here. */
  liveAccuracy: number | undefined;
  ownAccuracy: number;
  /** Runs started by drift. */
  driftRuns: string[];
}

/**
 * `kiln demo-monitoring`: serves the breast-cancer model with `monitoring` on (`on_drift:
 * retrain`), sends 1,000 predictions of its test split and their true labels as feedback,
 * runs the monitor (no drift, live accuracy as computed here), sends 1,000 more with two
 * features shifted, runs the monitor again (exactly those two drift) and waits for the one
 * retraining run it starts. Prints what it saw; exit code 0 when every expectation held.
 */
export async function runMonitoringDemo(config: KilnConfig, out = process.stdout): Promise<{ code: number; result?: MonitoringDemoResult }> {
  const stack = await startEmbeddedStack(config, { ephemeralApiPort: true });
  try {
    const client = new KilnApiClient(stack.apiUrl!, { token: stack.adminToken });
    const exampleDir = join(config.installDir, 'examples', 'breast-cancer');
    const specs = readSpecFile(join(exampleDir, 'kiln.json'));
    const project = { ...specs.project!, monitoring: { window: '1h', schedule: '1h', min_samples: 200, on_drift: 'retrain' as const } };
    await applySpecFile(client, { ...specs, project });
    out.write('kiln: training and serving breast-cancer, monitored (window 1h, on_drift retrain)\n');
    const run = await watchRun(client, (await client.startRun({ project: project.name })).run_id, out);
    if (run.status !== 'succeeded' || !run.endpoint) throw new Error(`the first run did not serve a model: ${run.status} ${run.error ?? ''}`);
    const test = await testSplit(stack, run.datasetVersion!);

    out.write(`kiln: sending ${PREDICTIONS_PER_BATCH} predictions from the test split (${test.rows.length} rows, cycled), and their labels\n`);
    const first = await sendBatch(client, run.modelName, test, () => 0);
    // Feedback names logged predictions: the log reaches the store a few seconds after the answers.
    await untilShipped(
      stack,
      run.modelName,
      first.map((p) => p.id),
    );
    await client.feedback(
      run.modelName,
      first.map(({ id, label }) => ({ prediction_id: id, label })),
    );
    const firstReport = await monitorNow(stack, config, project.name, run.modelName);

    const stds = Object.fromEntries(SHIFTED_FEATURES.map((f) => [f, standardDeviation(test.rows.map((r) => r[f]!))]));
    out.write(`kiln: sending ${PREDICTIONS_PER_BATCH} predictions with ${SHIFTED_FEATURES.join(' and ')} shifted by 3 standard deviations\n`);
    const second = await sendBatch(client, run.modelName, test, (feature) => (feature in stds ? 3 * stds[feature]! : 0));
    await untilShipped(
      stack,
      run.modelName,
      second.map((p) => p.id),
    );
    const secondReport = await monitorNow(stack, config, project.name, run.modelName);

    // The run's record is written by its first step: watch the run the monitor started, then count.
    const retrain = secondReport.result.retrain;
    if (retrain) await watchRun(client, retrain.runId, out);
    const driftRuns = (await client.listRuns({ trigger: 'drift' })).map((r) => r.id);
    const result: MonitoringDemoResult = {
      firstDrifted: firstReport.report.drifted_features,
      secondDrifted: secondReport.report.drifted_features,
      liveAccuracy: firstReport.report.quality.live.task === 'classification' ? firstReport.report.quality.live.accuracy : undefined,
      ownAccuracy: first.filter((p) => p.prediction === p.label).length / first.length,
      driftRuns,
    };
    out.write(summary(result, firstReport.result, secondReport.result));
    return { code: expectationsHold(result) ? 0 : 1, result };
  } finally {
    await stack.stop();
  }
}

export function expectationsHold(result: MonitoringDemoResult): boolean {
  return (
    result.firstDrifted.length === 0 &&
    [...result.secondDrifted].sort().join() === [...SHIFTED_FEATURES].sort().join() &&
    result.liveAccuracy !== undefined &&
    Math.abs(result.liveAccuracy - result.ownAccuracy) <= 0.01 &&
    result.driftRuns.length === 1
  );
}

interface TestSplit {
  features: string[];
  rows: Record<string, number>[];
  labels: number[];
}

/** The dataset version's test split, as stored (what evaluate scored the model on). */
async function testSplit(stack: EmbeddedStack, datasetVersion: string): Promise<TestSplit> {
  const version = await stack.backends.metadata.datasets.getVersion(datasetVersion);
  if (!version) throw new Error(`dataset version ${datasetVersion} is not recorded`);
  const [header, ...lines] = parseCsv((await stack.backends.artifacts.getBuffer(`${version.artifactPrefix}/test.csv`)).toString('utf8'));
  const names = header!.fields;
  const features = names.filter((n) => n !== 'target');
  const rows = lines.map((line) => Object.fromEntries(features.map((f) => [f, Number(line.fields[names.indexOf(f)])])));
  const labels = lines.map((line) => Number(line.fields[names.indexOf('target')]));
  return { features, rows, labels };
}

/** 1,000 predictions of the test rows (cycled), each feature moved by `shift(feature)`; with their ids and true labels. */
async function sendBatch(client: KilnApiClient, model: string, test: TestSplit, shift: (feature: string) => number) {
  const sent: { id: string; prediction: unknown; label: number }[] = [];
  for (let start = 0; start < PREDICTIONS_PER_BATCH; start += INSTANCES_PER_REQUEST) {
    const indexes = Array.from({ length: INSTANCES_PER_REQUEST }, (_, i) => (start + i) % test.rows.length);
    const instances = indexes.map((i) => Object.fromEntries(test.features.map((f) => [f, test.rows[i]![f]! + shift(f)])));
    const answer = await client.predict(model, instances);
    answer.prediction_ids.forEach((id, k) => sent.push({ id, prediction: answer.predictions[k], label: test.labels[indexes[k]!]! }));
  }
  return sent;
}

/** Waits until the worker has shipped the log of these predictions to the artifact store. */
async function untilShipped(stack: EmbeddedStack, model: string, ids: string[]): Promise<void> {
  const probe = [ids[0]!, ids.at(-1)!];
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 500))) {
    if ((await findPredictions(stack.backends.artifacts, model, probe)).size === probe.length) return;
  }
  throw new Error('the prediction log did not reach the artifact store within 30 s');
}

/** Runs the monitor for the window ending now (what its schedule does hourly) and reads its report. */
async function monitorNow(stack: EmbeddedStack, config: KilnConfig, project: string, model: string) {
  const windowEnd = new Date().toISOString();
  const input: MonitorModelInput = { project, model, intervalMs: HOUR_MS, windowEnd };
  const result = (await stack.client.workflow.execute(WORKFLOW_TYPES.monitorModel, {
    taskQueue: config.taskQueue,
    workflowId: `kiln-demo-monitor-${model}-${windowEnd}`,
    args: [input],
  })) as MonitorModelResult;
  if (result.outcome.status !== 'reported') throw new Error(`the monitor did not report: ${JSON.stringify(result.outcome)}`);
  const { reports } = await stack.service.monitoring.reports(model, 1);
  return { result, report: reports[0]! };
}

function standardDeviation(values: number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
}

function summary(result: MonitoringDemoResult, first: MonitorModelResult, second: MonitorModelResult): string {
  const list = (features: string[]) => (features.length ? features.join(', ') : 'none');
  return `${[
    '',
    'Kiln monitoring demo: breast-cancer',
    `  window 1 (test split)       drifted features: ${list(result.firstDrifted)}`,
    `  live accuracy (feedback)    ${result.liveAccuracy?.toFixed(4) ?? 'n/a'}  (computed here: ${result.ownAccuracy.toFixed(4)})`,
    `  window 2 (+2 shifted)       drifted features: ${list(result.secondDrifted)}  (shifted: ${SHIFTED_FEATURES.join(', ')})`,
    `  on_drift retrain            ${second.retrain ? `run ${second.retrain.runId}` : 'no run started'}; drift runs in all: ${result.driftRuns.length}`,
    `  first window's retrain      ${first.retrain ? first.retrain.runId : 'none (no drift)'}`,
    `  verdict                     ${expectationsHold(result) ? 'as expected' : 'NOT as expected'}`,
    '',
  ].join('\n')}\n`;
}
