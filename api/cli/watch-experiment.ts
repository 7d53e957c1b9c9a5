import { readFileSync } from 'node:fs';
import { SpecValidationError } from '../../core/errors.js';
import type { ExperimentView, KilnApiClient } from '../client/kiln-api-client.js';
import { liveView } from './live-view.js';
import { renderExperiment } from './render-experiment.js';

/** Follows an experiment until it ends: redrawn in place on a terminal, changed lines only otherwise. */
export async function watchExperiment(client: KilnApiClient, id: string, out: NodeJS.WriteStream = process.stdout, intervalMs = 500): Promise<ExperimentView> {
  return liveView(
    () => client.getExperiment(id),
    (view) => renderExperiment(view),
    (view) => view.status !== 'running',
    out,
    intervalMs,
  );
}

/** A JSON spec file; unreadable or invalid JSON is reported on `file`. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SpecValidationError([{ path: 'file', message: `cannot read ${path}: ${(error as Error).message}` }]);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SpecValidationError([{ path: 'file', message: `${path} is not valid JSON` }]);
  }
}
