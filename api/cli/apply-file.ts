import type { z } from 'zod';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { SpecValidationError } from '../../core/errors.js';
import { DatasetSpec, EnvironmentSpec, ProjectSpec, ScheduleSpec, parseSpec } from '../../core/specs/index.js';
import { KilnApiError, type KilnApiClient } from '../client/kiln-api-client.js';

/** A spec file: any of an environment, a dataset, a project and schedules; paths relative to the file. */
export interface SpecFile {
  environment?: z.input<typeof EnvironmentSpec>;
  dataset?: z.input<typeof DatasetSpec>;
  project?: z.input<typeof ProjectSpec>;
  /** Each created, or updated in place when one of that name exists. */
  schedules?: z.input<typeof ScheduleSpec>[];
}

/** A spec file as written, before its sections are checked. */
interface RawSpecFile {
  environment?: unknown;
  dataset?: Record<string, unknown>;
  project?: Record<string, unknown>;
  schedules?: unknown;
}

function readRawSpecFile(path: string): RawSpecFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new SpecValidationError([{ path: 'file', message: `${path}: ${(error as Error).message}` }]);
  }
  if (typeof parsed !== 'object' || parsed === null) throw new SpecValidationError([{ path: 'file', message: `${path}: expected a JSON object` }]);
  const spec: RawSpecFile = { ...parsed };
  const base = dirname(resolve(path));
  const absolute = (p: unknown) => (typeof p === 'string' && !isAbsolute(p) ? resolve(base, p) : p);
  // An s3:// dataset path is not a file path: it stays as it is.
  if (spec.dataset)
    spec.dataset = {
      ...spec.dataset,
      path: typeof spec.dataset.path === 'string' && spec.dataset.path.startsWith('s3://') ? spec.dataset.path : absolute(spec.dataset.path),
    };
  if (spec.schedules !== undefined && !Array.isArray(spec.schedules))
    throw new SpecValidationError([{ path: 'schedules', message: `${path}: expected a list of schedule specs` }]);
  if (spec.project) spec.project = { ...spec.project, source_dir: absolute(spec.project.source_dir) };
  return spec;
}

/**
 * Checks each section with the schema the API checks it with, so a mistake is named before
 * anything is sent (paths already made absolute).
 */
export function readSpecFile(path: string): SpecFile {
  const raw = readRawSpecFile(path);
  return {
    ...(raw.environment === undefined ? {} : { environment: parseSpec(EnvironmentSpec, raw.environment, 'environment') }),
    ...(raw.dataset === undefined ? {} : { dataset: parseSpec(DatasetSpec, raw.dataset, 'dataset') }),
    ...(raw.project === undefined ? {} : { project: parseSpec(ProjectSpec, raw.project, 'project') }),
    ...(raw.schedules === undefined ? {} : { schedules: (raw.schedules as unknown[]).map((s, i) => parseSpec(ScheduleSpec, s, `schedules[${i}]`)) }),
  };
}

/** Applies environment, then dataset, then project, then schedules (each may refer to the ones before). */
export async function applySpecFile(client: KilnApiClient, spec: SpecFile) {
  const environment = spec.environment ? await client.applyEnvironment(spec.environment) : undefined;
  const dataset = spec.dataset ? await client.applyDataset(spec.dataset) : undefined;
  const project = spec.project ? await client.applyProject(spec.project) : undefined;
  const schedules = [];
  for (const [index, schedule] of (spec.schedules ?? []).entries()) {
    try {
      const applied = await client.applySchedule(schedule);
      schedules.push({ name: applied.name, created: applied.created, cadence: applied.cadence, next_fire_times: applied.next_fire_times.slice(0, 1) });
    } catch (error) {
      if (error instanceof KilnApiError)
        throw new KilnApiError(
          error.status,
          error.type,
          error.message,
          error.fields.map((f) => ({ ...f, path: f.path.replace(/^schedule/, `schedules[${index}]`) })),
        );
      throw error;
    }
  }
  return { environment, dataset, project, ...(spec.schedules ? { schedules } : {}) };
}
