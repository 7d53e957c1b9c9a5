import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KilnApiClient, KilnApiError } from '../../api/client/kiln-api-client.js';
import { eventually } from './process-check.js';

const fixture = join(__dirname, '..', 'fixtures', 'sleepy');

/** The workspace tests' project: the sleepy fixture's source and tiny dataset in an environment with six 1.16.0. */
export async function applyWorkspaceProject(client: KilnApiClient, names: { project: string; dataset: string }): Promise<void> {
  const data = mkdtempSync(join(tmpdir(), 'kiln-ws-data-'));
  const sleepy = JSON.parse(readFileSync(join(fixture, 'kiln.json'), 'utf8'));
  cpSync(join(fixture, 'data', 'tiny.csv'), join(data, 'tiny.csv'));
  await client.applyEnvironment({ name: 'six-py311', python_version: '3.11', dependencies: ['six==1.16.0'] });
  await client.applyDataset({ name: names.dataset, path: join(data, 'tiny.csv'), target_column: 'label' });
  await client.applyProject({
    name: names.project,
    source_dir: join(fixture, 'src'),
    dataset: names.dataset,
    environment: 'six-py311',
    entrypoints: sleepy.project.entrypoints,
    default_params: sleepy.project.default_params,
    serve: false,
  });
}

/** The rows of the fixture's dataset file. */
export const WORKSPACE_DATASET_ROWS = readFileSync(join(fixture, 'data', 'tiny.csv'), 'utf8')
  .trim()
  .split('\n').length;

/** The API's refusal of `work`; anything else (success included) throws. */
export async function refusal(work: Promise<unknown>): Promise<KilnApiError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof KilnApiError)) throw new Error(`expected an API refusal, got ${String(error)}`);
  return error;
}

/** The workspace once its status is `wanted` (or as it is at the deadline). */
export async function workspaceStatus(client: KilnApiClient, name: string, wanted: string, timeoutMs: number) {
  let last: Awaited<ReturnType<KilnApiClient['getWorkspace']>> | undefined;
  await eventually(async () => (last = await client.getWorkspace(name)).status === wanted, timeoutMs, 500);
  return last!;
}
