import { join } from 'node:path';
import type { ArtifactStore } from '../../artifacts/artifact-store.js';
import { homePaths } from '../../config.js';
import { readToolVersions, requireTool } from '../../environments/tool-paths.js';
import { VenvBuilder } from '../../environments/venv-builder.js';
import { LocalExecutor } from '../../executors/local/local-executor.js';
import type { MetadataStore } from '../../metadata/metadata-store.js';
import { ModelDeployer } from '../../serving/model-deployer.js';
import { LocalWorkspaceHost } from '../../workspaces/local/local-workspace-host.js';
import type { PlatformContext } from '../choose-platform.js';
import type { EnvironmentBuilder, Platform } from '../platform.js';
import { localStageLauncher } from './local-stage-launcher.js';

export interface LocalPlatformOptions {
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  /** The data directory: venvs, stage workspaces and model servers live under it. */
  home: string;
  /** Directory put on PYTHONPATH so stages and model servers can import kiln_sdk. */
  sdkDir: string;
  /** The uv binary venvs are built with. */
  uvPath: string;
  /** Where running stage process groups are recorded for cleanup after a dead worker. Default: not recorded. */
  runningDir?: string;
  /** Where workspaces' JupyterLab is installed (the tools cache) and which version; default: under `home`, JupyterLab 4.6.6. */
  jupyter?: { toolsDir: string; version: string };
  /** The installed code-server binary; without it workspaces are JupyterLab only. */
  codeServer?: string;
}

/**
 * This machine: stages are process groups, environments uv venvs under the data directory,
 * and each served model a process this stack owns (stopped with it, restored on start).
 */
export function localPlatform(options: LocalPlatformOptions): Platform {
  const { metadata, artifacts, home, sdkDir } = options;
  const venvs = new VenvBuilder({ environmentsDir: homePaths(home).environments, uvPath: options.uvPath });
  const environments: EnvironmentBuilder = {
    async build(spec, digest, buildOptions) {
      const built = await venvs.build(spec, digest, buildOptions);
      return {
        location: built.venvDir,
        pythonExecutable: built.pythonExecutable,
        pythonVersion: built.pythonVersion,
        durationMs: built.durationMs,
        reused: built.reused,
      };
    },
    isAvailable: (digest) => venvs.locate(digest) !== undefined,
  };
  return Object.freeze({
    name: 'local',
    capabilities: Object.freeze({ gpuSlots: 0 }),
    executor: new LocalExecutor({
      ...(options.runningDir ? { runningDir: options.runningDir } : {}),
      // Fork servers for environments that declare warm_imports; their sockets live with the workspaces.
      warmStartDir: join(homePaths(home).work, '.fork-servers'),
    }),
    stages: localStageLauncher({ artifacts, venvs, home, sdkDir }),
    environments,
    serving: new ModelDeployer({ metadata, artifacts, environments: venvs, home, sdkDir }),
    workspaces: new LocalWorkspaceHost({
      home,
      sdkDir,
      overlay: { toolsDir: options.jupyter?.toolsDir ?? join(home, 'tools'), version: options.jupyter?.version ?? '4.6.6', uvPath: options.uvPath },
      ...(options.codeServer ? { codeServer: options.codeServer } : {}),
    }),
  });
}

/** The local platform as the worker opens it (choose-platform.ts). */
export async function openLocalPlatform({ config, metadata, artifacts, sdkDir, runningDir }: PlatformContext): Promise<Platform> {
  const jupyter = { toolsDir: config.toolsDir, version: (await readToolVersions(config.installDir)).JUPYTERLAB_VERSION ?? '4.6.6' };
  // Optional: a machine without code-server still hosts JupyterLab workspaces (and refuses `kind: code-server`).
  const codeServer = await requireTool(config, 'code-server').catch(() => undefined);
  return localPlatform({
    metadata,
    artifacts,
    home: config.home,
    sdkDir,
    uvPath: await requireTool(config, 'uv'),
    runningDir,
    jupyter,
    ...(codeServer ? { codeServer } : {}),
  });
}
