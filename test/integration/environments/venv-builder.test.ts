import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../core/config.js';
import { EnvironmentBuildError } from '../../../core/environments/environment-build-error.js';
import { requireTool } from '../../../core/environments/tool-paths.js';
import { ENVIRONMENT_MANIFEST, VenvBuilder } from '../../../core/environments/venv-builder.js';
import { EnvironmentUnavailableError } from '../../../core/errors.js';
import { environmentDigest } from '../../../core/specs/environment-digest.js';
import { EnvironmentSpec, type EnvironmentSpecInput } from '../../../core/specs/environment.js';

const run = promisify(execFile);

/** Real uv, real Python 3.11: run `bash scripts/ensure-tools.sh` first if uv is missing. */
describe('VenvBuilder (real uv)', () => {
  let dir: string;
  let builder: VenvBuilder;
  let uvPath: string;

  const envOf = (input: Partial<EnvironmentSpecInput>) => {
    const spec = EnvironmentSpec.parse({ name: 'test-env', python_version: '3.11', ...input });
    return { spec, digest: environmentDigest(spec) };
  };
  const leftovers = async () => (await readdir(dir)).filter((name) => name.includes('.building-') || name.includes('.stale-'));

  beforeAll(async () => {
    uvPath = await requireTool(loadConfig(), 'uv');
    dir = await mkdtemp(join(tmpdir(), 'kiln-envs-'));
    builder = new VenvBuilder({ environmentsDir: dir, uvPath });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('builds an environment without dependencies whose python runs from the venv', async () => {
    const { spec, digest } = envOf({});
    const lines: string[] = [];
    const built = await builder.build(spec, digest, { onLine: (line) => lines.push(line) });

    expect(built).toMatchObject({ digest, venvDir: join(dir, digest), reused: false });
    expect(built.pythonVersion).toMatch(/^3\.11\.\d+$/);
    const { stdout } = await run(built.pythonExecutable, ['-c', 'import sys; print(sys.prefix)']);
    expect(stdout.trim()).toBe(built.venvDir);
    expect(lines.length).toBeGreaterThan(0);
    expect(await leftovers()).toEqual([]);
  });

  it('installs a dependency that python can import, and records installed packages', async () => {
    const { spec, digest } = envOf({ dependencies: ['six==1.16.0'] });
    const built = await builder.build(spec, digest);

    const { stdout } = await run(built.pythonExecutable, ['-c', 'import six; print(six.__version__)']);
    expect(stdout.trim()).toBe('1.16.0');
    const manifest = JSON.parse(await readFile(join(built.venvDir, ENVIRONMENT_MANIFEST), 'utf8'));
    expect(manifest).toMatchObject({ digest, spec: { python_version: '3.11', dependencies: ['six==1.16.0'] }, packages: ['six==1.16.0'] });
  });

  it('reuses a built digest at once, also from a fresh builder (a restarted worker)', async () => {
    const { spec, digest } = envOf({ dependencies: ['six==1.16.0'] });
    const again = await new VenvBuilder({ environmentsDir: dir, uvPath }).build(spec, digest);
    expect(again.reused).toBe(true);
    expect(builder.locate(digest)?.venvDir).toBe(join(dir, digest));
  });

  it('lets concurrent builders of one digest share a single result', async () => {
    const { spec, digest } = envOf({ dependencies: ['six==1.16.0'], base_image: 'python:3.11' });
    const other = new VenvBuilder({ environmentsDir: dir, uvPath });
    const results = await Promise.all([builder.build(spec, digest), other.build(spec, digest)]);
    expect(results.map((r) => r.venvDir)).toEqual([join(dir, digest), join(dir, digest)]);
    expect(results.filter((r) => r.reused).length).toBe(1);
    expect(await leftovers()).toEqual([]);
  });

  it('fails a bad dependency with EnvironmentBuildError and leaves no directory', async () => {
    const { spec, digest } = envOf({ dependencies: ['this-package-does-not-exist-kiln==1.0'] });
    const error = await builder.build(spec, digest).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EnvironmentBuildError);
    expect(error).not.toBeInstanceOf(EnvironmentUnavailableError);
    expect((error as EnvironmentBuildError).dependencies).toEqual(['this-package-does-not-exist-kiln==1.0']);
    expect((error as Error).message).toContain('this-package-does-not-exist-kiln');
    expect((error as EnvironmentBuildError).outputTail.length).toBeLessThanOrEqual(20);
    expect(existsSync(join(dir, digest))).toBe(false);
    expect(builder.locate(digest)).toBeUndefined();
    expect(await leftovers()).toEqual([]);
  });

  it('fails a Python version this machine lacks with EnvironmentUnavailableError on python_version', async () => {
    const { spec, digest } = envOf({ python_version: '3.99' });
    const error = await builder.build(spec, digest).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentUnavailableError);
    expect((error as EnvironmentUnavailableError).field).toBe('python_version');
    expect(existsSync(join(dir, digest))).toBe(false);
  });

  it('stops uv and cleans up when aborted', async () => {
    const { spec, digest } = envOf({ dependencies: ['six==1.16.0'], description: 'x', base_image: 'aborted' });
    const controller = new AbortController();
    const error = await builder.build(spec, digest, { signal: controller.signal, onLine: () => controller.abort() }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(existsSync(join(dir, digest))).toBe(false);
    expect(await leftovers()).toEqual([]);
  });
});
