import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KilnConfig } from '../../core/config.js';
import { startEmbeddedStack } from '../../workers/embedded-stack.js';
import { KilnApiClient, type RunView } from '../client/kiln-api-client.js';
import { applySpecFile, readSpecFile } from './apply-file.js';
import { watchRun } from './watch-run.js';

/**
 * `kiln demo`: brings up the embedded stack, registers the breast-cancer example, runs the
 * pipeline end to end, predicts once through the API and prints a summary. Returns the exit code.
 */
export async function runDemo(config: KilnConfig, out = process.stdout): Promise<number> {
  const stack = await startEmbeddedStack(config, { ephemeralApiPort: true });
  try {
    const client = new KilnApiClient(stack.apiUrl!, { token: stack.adminToken });
    const exampleDir = join(config.installDir, 'examples', 'breast-cancer');
    const applied = await applySpecFile(client, readSpecFile(join(exampleDir, 'kiln.json')));
    out.write(`kiln: environment ${applied.environment?.name} (${applied.environment?.spec_digest.slice(0, 12)}) ${applied.environment?.build_status}\n`);
    const started = await client.startRun({ project: applied.project!.name });
    const run = await watchRun(client, started.run_id, out);
    const instance = firstTestInstance(join(exampleDir, 'data', 'breast_cancer.csv'));
    const prediction = run.status === 'succeeded' ? await client.predict(run.modelName, [instance]) : undefined;
    out.write(summary(run, client.baseUrl, prediction?.predictions[0]));
    return run.status === 'succeeded' ? 0 : 1;
  } finally {
    await stack.stop();
  }
}

function summary(run: RunView, apiUrl: string, prediction: unknown): string {
  const seconds = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(2)} s`;
  const stages = run.steps.map((s) => `${s.step} ${s.status === 'skipped' || s.status === 'cached' ? s.status : seconds(s.durationMs)}`).join(' · ');
  const metrics = Object.entries(run.metrics)
    .map(([k, v]) => `${k} ${v.toFixed(4)}`)
    .join(' · ');
  return `${[
    '',
    `Kiln demo: ${run.project}`,
    `  run            ${run.runId} (${run.status})`,
    `  stage timings  ${stages}`,
    `  build wait     ${seconds(run.buildWaitMs)}`,
    `  test metrics   ${metrics || 'none'}`,
    `  model version  ${run.modelVersion === undefined ? 'none (not registered)' : `${run.modelName} v${run.modelVersion}`}`,
    `  serving        ${run.endpoint ?? 'not served'}  (API route: POST ${apiUrl}/v1/models/${run.modelName}/predict)`,
    `  prediction     ${prediction === undefined ? 'none' : `first row of the dataset → class ${JSON.stringify(prediction)}`}`,
    `  web ui         ${run.web_ui_url ?? 'n/a (external Temporal without KILN_TEMPORAL_UI_URL)'}`,
    run.error ? `  error          ${run.error}` : '',
    '',
  ]
    .filter((l) => l !== '')
    .join('\n')}\n`;
}

/** The features of the dataset's first row (all columns but the target), for one prediction. */
function firstTestInstance(csvPath: string): number[] {
  const [header, first] = readFileSync(csvPath, 'utf8').split(/\r?\n/);
  const columns = header!.split(',');
  const values = first!.split(',');
  return values.filter((_, i) => columns[i] !== 'target').map(Number);
}
