import { join } from 'node:path';
import { homePaths } from '../core/config.js';
import { RUN_CONTRACT_ENV as E } from '../core/runner/run-contract.js';
import { startModelServer, stopModelServer } from '../core/serving/local-model-server.js';
import { restoreSource } from '../core/snapshots/source-snapshot.js';
import type { ActivityDeps } from './activity-deps.js';

export interface DeployModelInput {
  runId: string;
  modelName: string;
  version: number;
  artifactPrefix: string;
  sourceDigest: string;
  environmentDigest: string;
  entrypoint: string;
}

/** Local serving: one model server process per model, swapped when a new version is promoted. */
export function createServingActivities({ metadata, artifacts, environments, config, sdkDir }: ActivityDeps) {
  return {
    /** Starts the new version, checks its health, then retires the previous one (hot swap). */
    async deployModel(input: DeployModelInput): Promise<{ url: string; deploymentId: string }> {
      const deploymentId = `${input.modelName}-v${input.version}`;
      const current = await metadata.models.currentDeployment(input.modelName);
      if (current?.id === deploymentId && current.status === 'serving') return { url: current.url, deploymentId };
      const built = environments.locate(input.environmentDigest);
      if (!built) throw new Error(`environment ${input.environmentDigest.slice(0, 12)} is not built on this worker`);
      const root = join(homePaths(config.home).work, 'serving', deploymentId);
      const modelDir = join(root, 'model');
      await restoreSource(artifacts, input.sourceDigest, join(root, 'src'));
      await artifacts.getDirectory(input.artifactPrefix, modelDir);
      const server = await startModelServer({
        pythonExecutable: built.pythonExecutable,
        workingDirectory: join(root, 'src'),
        logFile: join(root, 'server.log'),
        env: {
          PATH: `${built.binDir}:/usr/local/bin:/usr/bin:/bin`,
          PYTHONPATH: sdkDir,
          PYTHONUNBUFFERED: '1',
          LANG: 'C.UTF-8',
          [E.stage]: 'serve',
          [E.runId]: input.runId,
          [E.entrypoint]: input.entrypoint,
          [E.modelDir]: modelDir,
          [E.sourceDir]: join(root, 'src'),
        },
      });
      await metadata.models.recordDeployment({
        id: deploymentId,
        modelName: input.modelName,
        version: input.version,
        url: server.url,
        port: server.port,
        pid: server.pid,
        status: 'serving',
      });
      if (current && current.id !== deploymentId) {
        if (current.pid) stopModelServer(current.pid);
        await metadata.models.markDeploymentStopped(current.id);
      }
      return { url: server.url, deploymentId };
    },
  };
}
