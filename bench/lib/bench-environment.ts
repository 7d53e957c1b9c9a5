import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../core/config.js';
import { toolPath } from '../../core/environments/tool-paths.js';
import { VenvBuilder, type BuiltEnvironment } from '../../core/environments/venv-builder.js';
import type { EnvironmentSpec } from '../../core/specs/index.js';
import { environmentDigest } from '../../core/specs/environment-digest.js';
import { ROOT } from './bench-stack.js';

/**
 * A benchmark's Python environment, built by Kiln's own builder (uv, by spec digest) into
 * ~/.cache/kiln/bench-environments: once per machine and spec, reused after.
 */
export async function benchEnvironment(spec: EnvironmentSpec): Promise<BuiltEnvironment> {
  const uv = await toolPath(loadConfig(), 'uv');
  if (!existsSync(uv.path)) spawnSync('bash', [join(ROOT, 'scripts/ensure-tools.sh')], { stdio: 'inherit' });
  const environmentsDir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'kiln', 'bench-environments');
  return new VenvBuilder({ environmentsDir, uvPath: uv.path }).build(spec, environmentDigest(spec));
}
