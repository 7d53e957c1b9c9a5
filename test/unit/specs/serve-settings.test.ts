import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../../core/specs/parse-spec.js';
import { ProjectSpec } from '../../../core/specs/project.js';
import { DEFAULT_SERVE_SETTINGS, serveEnv, serveSettingsOf } from '../../../core/specs/serve-settings.js';
import { problemsOf } from './spec-problems.js';

const project = { name: 'p', source_dir: '/src', dataset: 'd', entrypoints: { train: 't.py', evaluate: 'e.py' } };
const parseServe = (serve: unknown) => parseSpec(ProjectSpec, { ...project, serve }, 'project').serve;

describe("a project's serve", () => {
  it('is true by default, and false or the settings of the model server otherwise', () => {
    expect(parseSpec(ProjectSpec, project, 'project').serve).toBe(true);
    expect(parseServe(false)).toBe(false);
    expect(parseServe({ workers: 2 })).toEqual({ workers: 2, max_batch: 256, batch_wait_ms: 0, max_in_flight: 256 });
    expect(parseServe({ workers: 4, max_batch: 1, batch_wait_ms: 2.5, max_in_flight: 1000 })).toEqual({
      workers: 4,
      max_batch: 1,
      batch_wait_ms: 2.5,
      max_in_flight: 1000,
    });
  });

  it.each([
    ['no workers', { workers: 0 }, 'project.serve.workers', 'expected number to be >=1'],
    ['more workers than a machine runs', { workers: 65 }, 'project.serve.workers', 'expected number to be <=64'],
    ['a fractional batch', { max_batch: 1.5 }, 'project.serve.max_batch', 'expected int'],
    ['a wait over a second', { batch_wait_ms: 5000 }, 'project.serve.batch_wait_ms', 'expected number to be <=1000'],
    ['no request in flight', { max_in_flight: 0 }, 'project.serve.max_in_flight', 'expected number to be >=1'],
    ['an unknown setting', { threads: 4 }, 'project.serve', 'unknown field "threads"'],
  ])('rejects %s naming the field', (_label, serve, path, message) => {
    expect(problemsOf(() => parseServe(serve))).toEqual([{ path, message: expect.stringContaining(message) }]);
  });

  it('gives the server its settings as the environment kiln_sdk.serve reads, the defaults unless serve is an object', () => {
    expect(serveSettingsOf(true)).toBe(DEFAULT_SERVE_SETTINGS);
    expect(serveEnv(serveSettingsOf(parseServe({ workers: 3, batch_wait_ms: 1 })))).toEqual({
      KILN_SERVE_WORKERS: '3',
      KILN_SERVE_MAX_BATCH: '256',
      KILN_SERVE_BATCH_WAIT_MS: '1',
      KILN_SERVE_MAX_IN_FLIGHT: '256',
    });
  });
});
