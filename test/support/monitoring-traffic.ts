import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { KilnApiClient } from '../../api/client/kiln-api-client.js';
import { INSTALL_DIR } from '../../core/config.js';
import { parseCsv } from '../../core/datasets/csv-reader.js';
import { WORKFLOW_TYPES } from '../../core/pipeline/workflow-ids.js';
import type { MonitorModelInput, MonitorModelResult } from '../../workflows/monitor-model.js';
import type { KilnUp } from './kiln-cli.js';
import { eventually } from './process-check.js';

const HOUR_MS = 3_600_000;
const PER_REQUEST = 50;

/** The breast-cancer example's rows (features and target), as a client of its model holds them. */
function breastCancerRows(): { features: string[]; rows: Record<string, number>[]; labels: number[] } {
  const [header, ...lines] = parseCsv(readFileSync(join(INSTALL_DIR, 'examples', 'breast-cancer', 'data', 'breast_cancer.csv'), 'utf8'));
  const names = header!.fields;
  const features = names.filter((n) => n !== 'target');
  const rows = lines.map((line) => Object.fromEntries(features.map((f) => [f, Number(line.fields[names.indexOf(f)])])));
  return { features, rows, labels: lines.map((line) => Number(line.fields[names.indexOf('target')])) };
}

function standardDeviation(values: number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
}

/**
 * `count` predictions of the example's rows (cycled) through `POST /v1/models/{model}/predict`,
 * the `shifted` features moved by three standard deviations; then their true labels as feedback,
 * retried until the model server's log of them has reached the store (an id not yet shipped is a 400).
 */
export async function predictAndLabel(client: KilnApiClient, model: string, count: number, shifted: string[] = []): Promise<void> {
  const { features, rows, labels } = breastCancerRows();
  const shift = Object.fromEntries(shifted.map((f) => [f, 3 * standardDeviation(rows.map((r) => r[f]!))]));
  const sent: { prediction_id: string; label: number }[] = [];
  for (let start = 0; start < count; start += PER_REQUEST) {
    const indexes = Array.from({ length: Math.min(PER_REQUEST, count - start) }, (_, i) => (start + i) % rows.length);
    const instances = indexes.map((i) => Object.fromEntries(features.map((f) => [f, rows[i]![f]! + (shift[f] ?? 0)])));
    const answer = await client.predict(model, instances);
    answer.prediction_ids.forEach((id, k) => sent.push({ prediction_id: id, label: labels[indexes[k]!]! }));
  }
  let refusal: unknown;
  const recorded = await eventually(
    () =>
      client.feedback(model, sent).then(
        () => true,
        (error: unknown) => ((refusal = error), false),
      ),
    60_000,
    1000,
  );
  if (!recorded) throw new Error(`feedback for ${model}'s predictions was refused for 60 s: ${String(refusal)}`);
}

/**
 * Runs the model's monitor on `up`'s worker for the hour ending now, as its schedule does every
 * hour (and `kiln demo-monitoring` does): monitorModelWorkflow through `up`'s Temporal.
 */
export async function monitorNow(up: KilnUp, project: string, model: string): Promise<MonitorModelResult> {
  const connection = await Connection.connect({ address: up.temporalAddress });
  try {
    const windowEnd = new Date().toISOString();
    const input: MonitorModelInput = { project, model, intervalMs: HOUR_MS, windowEnd };
    const result = (await new Client({ connection }).workflow.execute(WORKFLOW_TYPES.monitorModel, {
      taskQueue: up.taskQueue,
      workflowId: `browser-test-monitor-${model}-${windowEnd}`,
      args: [input],
    })) as MonitorModelResult;
    if (result.outcome.status !== 'reported') throw new Error(`the monitor did not report: ${JSON.stringify(result.outcome)}`);
    return result;
  } finally {
    await connection.close();
  }
}
