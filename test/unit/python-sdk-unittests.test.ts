import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WORKSPACE_METRICS_PATH } from '../../core/workspaces/notebook-metrics.js';

const SDK = join(resolve(dirname(fileURLToPath(import.meta.url)), '../..'), 'sdk/python');
const PYTHON = process.env.KILN_TEST_PYTHON ?? 'python3';

function python(args: string[]) {
  // The host's own KILN_* variables must not leak into the SDK under test.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KILN_'))) as Record<string, string>;
  const r = spawnSync(PYTHON, args, { cwd: SDK, env: { ...base, PYTHONPATH: SDK, PYTHONDONTWRITEBYTECODE: '1' }, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("the Python SDK's own tests (sdk/python/tests, standard library unittest)", () => {
  it('pass', () => {
    const r = python(['-m', 'unittest', 'discover', '-s', 'tests', '-p', 'test_*.py']);
    expect(r.stderr).toMatch(/\nOK/);
    expect(r.code).toBe(0);
  });

  it('write the metrics file where the workspace activities read it', () => {
    const r = python(['-c', 'from kiln_sdk.metrics import WORKSPACE_METRICS_PATH; print(WORKSPACE_METRICS_PATH)']);
    expect(r.stdout.trim()).toBe(WORKSPACE_METRICS_PATH);
  });
});
