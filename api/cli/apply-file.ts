import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { SpecValidationError } from '../../core/errors.js';
import type { KilnApiClient } from '../client/kiln-api-client.js';

/** A spec file: any of an environment, a dataset and a project; paths relative to the file. */
export interface SpecFile {
  environment?: Record<string, unknown>;
  dataset?: Record<string, unknown>;
  project?: Record<string, unknown>;
}

export function readSpecFile(path: string): SpecFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new SpecValidationError([{ path: 'file', message: `${path}: ${(error as Error).message}` }]);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new SpecValidationError([{ path: 'file', message: `${path}: expected a JSON object` }]);
  const spec = parsed as SpecFile;
  const base = dirname(resolve(path));
  const absolute = (p: unknown) => (typeof p === 'string' && !isAbsolute(p) ? resolve(base, p) : p);
  if (spec.dataset) spec.dataset = { ...spec.dataset, path: absolute(spec.dataset.path) };
  if (spec.project) spec.project = { ...spec.project, source_dir: absolute(spec.project.source_dir) };
  return spec;
}

/** Applies environment, then dataset, then project (each may refer to the one before). */
export async function applySpecFile(client: KilnApiClient, spec: SpecFile) {
  const environment = spec.environment ? await client.applyEnvironment(spec.environment) : undefined;
  const dataset = spec.dataset ? await client.applyDataset(spec.dataset) : undefined;
  const project = spec.project ? await client.applyProject(spec.project) : undefined;
  return { environment, dataset, project };
}
