import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { homePaths } from '../config.js';
import type { VenvBuilder } from '../environments/venv-builder.js';
import { EnvironmentUnavailableError } from '../errors.js';
import type { MetadataStore } from '../metadata/metadata-store.js';
import { RUN_CONTRACT_ENV as E } from '../runner/run-contract.js';
import { serveEnv } from '../specs/serve-settings.js';
import { predictionLogEnv } from '../specs/prediction-log.js';
import { restoreSource } from '../snapshots/source-snapshot.js';
import { localSpoolDir, spoolsUnder, type PredictionSpool } from '../monitoring/prediction-log/ship-prediction-spool.js';
import { candidateDeploymentId } from './candidate-id.js';
import { recordPromotion, retireSupersededDeployments } from './promotion-record.js';
import { resolveServingTarget } from './serving-target.js';
import { isHealthy, recordServerOwner, startModelServer, stopOwnedModelServer } from './local-model-server.js';
import { errorFields, kilnLog } from '../logging/kiln-log.js';

export interface DeployRequest {
  modelName: string;
  version: number;
}

export interface ModelDeployerDeps {
  metadata: MetadataStore;
  artifacts: ArtifactStore;
  environments: VenvBuilder;
  home: string;
  sdkDir: string;
}

/**
 * Local serving: one model server process per model. A new version is started and health
 * checked before the old one is retired (hot swap). Deployments marked serving are the
 * desired state: the embedded stack stops their processes on shutdown and restores them on start.
 */
export class ModelDeployer {
  constructor(private readonly deps: ModelDeployerDeps) {}

  async deploy({ modelName, version }: DeployRequest): Promise<{ url: string; deploymentId: string }> {
    const { metadata } = this.deps;
    const deploymentId = `${modelName}-v${version}`;
    const current = await metadata.models.currentDeployment(modelName);
    // Idempotency guard: a retried activity finds its version already serving.
    if (current?.id === deploymentId && (await isHealthy(current.url))) return { url: current.url, deploymentId };
    const server = await this.launch(modelName, version, deploymentId);
    if (current && current.id !== deploymentId && current.pid) this.stop(current.id, current.pid);
    await recordPromotion(metadata, { id: deploymentId, modelName, version, url: server.url, port: server.port, pid: server.pid }, current);
    // A promotion of the same model that ran at once also saw `current`: one of the two servers stops here.
    await retireSupersededDeployments(metadata, modelName, (d) => d.pid && this.stop(d.id, d.pid));
    return { url: server.url, deploymentId };
  }

  /**
   * Starts a rollout's challenger beside the serving version: its own process and port,
   * recorded as a `starting` deployment (never `serving`, so nothing routes to it but a rollout).
   */
  async startCandidate({ modelName, version }: DeployRequest): Promise<{ url: string; deploymentId: string }> {
    const deploymentId = candidateDeploymentId(modelName, version);
    const existing = await this.deps.metadata.models.getDeployment(deploymentId);
    // A retried activity finds its candidate already answering.
    if (existing?.status === 'starting' && (await isHealthy(existing.url))) return { url: existing.url, deploymentId };
    const server = await this.launch(modelName, version, deploymentId);
    await this.deps.metadata.models.recordDeployment({
      id: deploymentId,
      modelName,
      version,
      url: server.url,
      port: server.port,
      pid: server.pid,
      status: 'starting',
    });
    return { url: server.url, deploymentId };
  }

  async stopCandidate({ modelName, version }: DeployRequest): Promise<void> {
    const deploymentId = candidateDeploymentId(modelName, version);
    const existing = await this.deps.metadata.models.getDeployment(deploymentId);
    if (existing?.status !== 'starting') return;
    if (existing.pid) this.stop(deploymentId, existing.pid);
    await this.deps.metadata.models.markDeploymentStopped(deploymentId);
  }

  /**
   * Relaunches every local deployment recorded as serving whose server does not answer. A
   * deployment with no pid is a cluster one (a model's Deployment on Kubernetes): never a local
   * process, whatever its health from here.
   */
  async restoreAll(): Promise<string[]> {
    const restored: string[] = [];
    for (const deployment of await this.deps.metadata.models.listServingDeployments()) {
      if (deployment.pid === null) continue;
      if (await isHealthy(deployment.url)) continue;
      try {
        const server = await this.launch(deployment.modelName, deployment.version, deployment.id);
        await this.deps.metadata.models.recordDeployment({ ...deployment, url: server.url, port: server.port, pid: server.pid, status: 'serving' });
        restored.push(deployment.id);
      } catch (error) {
        await this.deps.metadata.models.markDeploymentStopped(deployment.id, 'failed');
        kilnLog().error({ ...errorFields(error), deployment: deployment.id }, `kiln: could not restore ${deployment.id}`);
      }
    }
    return restored;
  }

  /**
   * Stops every serving process this host started; the records stay, so the next start restores
   * them. Rollout candidates are not restored: they stop for good, and a rollout that is still
   * open then sees its challenger fail (its requests go to the champion) and rolls it back.
   */
  async stopAll(): Promise<void> {
    for (const deployment of await this.deps.metadata.models.listServingDeployments()) {
      if (deployment.pid) this.stop(deployment.id, deployment.pid);
    }
    for (const candidate of await this.deps.metadata.models.listCandidateDeployments()) {
      if (candidate.pid && stopOwnedModelServer(this.serverDir(candidate.id), candidate.pid))
        await this.deps.metadata.models.markDeploymentStopped(candidate.id);
    }
  }

  /** Signals the registry's pid only if this host started it since its last boot (server.json). */
  private stop(deploymentId: string, pid: number): void {
    stopOwnedModelServer(this.serverDir(deploymentId), pid);
  }

  /** Every local model server's prediction-log spool (kept outside its directory, which a relaunch clears). */
  predictionSpools(): Promise<PredictionSpool[]> {
    return spoolsUnder(homePaths(this.deps.home).predictionSpool);
  }

  private serverDir(deploymentId: string): string {
    return join(homePaths(this.deps.home).work, 'serving', deploymentId);
  }

  private async launch(modelName: string, version: number, deploymentId: string) {
    const { metadata, artifacts, environments } = this.deps;
    const model = await resolveServingTarget(metadata, modelName, version);
    const { entrypoint } = model;
    const built = environments.locate(model.environmentDigest);
    if (!built) throw new EnvironmentUnavailableError('environment', `environment ${model.environmentDigest.slice(0, 12)} is not built on this machine`);

    const root = this.serverDir(deploymentId);
    const sourceDir = join(root, 'src');
    const modelDir = join(root, 'model');
    await rm(root, { recursive: true, force: true });
    await restoreSource(artifacts, model.sourceDigest, sourceDir);
    await artifacts.getDirectory(model.artifactPrefix, modelDir);
    const server = await startModelServer({
      pythonExecutable: built.pythonExecutable,
      workingDirectory: sourceDir,
      logFile: join(root, 'server.log'),
      env: {
        PATH: `${built.binDir}:/usr/local/bin:/usr/bin:/bin`,
        PYTHONPATH: this.deps.sdkDir,
        PYTHONUNBUFFERED: '1',
        PYTHONDONTWRITEBYTECODE: '1',
        LANG: 'C.UTF-8',
        [E.stage]: 'serve',
        [E.runId]: model.runId,
        [E.entrypoint]: entrypoint,
        [E.modelDir]: modelDir,
        [E.sourceDir]: sourceDir,
        KILN_MODEL_NAME: modelName,
        KILN_MODEL_VERSION: String(version),
        KILN_PREDICTION_LOG_DIR: localSpoolDir(homePaths(this.deps.home).predictionSpool, modelName, version),
        ...serveEnv(model.serveSettings),
        ...predictionLogEnv(model.predictionLog),
      },
    });
    recordServerOwner(root, server.pid);
    return server;
  }
}
