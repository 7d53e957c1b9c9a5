import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { BOOTSTRAP_ADMIN } from '../api/access/access-service.js';
import { KilnService } from '../api/kiln-service.js';
import { startApiServer } from '../api/http/api-server.js';
import { kilnRoutes } from '../api/http/routes.js';
import { homePaths, type KilnConfig } from '../core/config.js';
import { requireTool } from '../core/environments/tool-paths.js';
import { gpuQueueOf, gpuTaskQueue } from '../core/pipeline/stage-resources.js';
import { startLogShipping } from '../core/monitoring/prediction-log/log-shipping.js';
import { mlflowToken, startMlflowExport, type MlflowExport } from '../core/mlflow/mlflow-export-loop.js';
import { connectTemporalClient } from '../core/temporal/client-connection.js';
import { startDevServer, type DevServer } from '../core/temporal/dev-server.js';
import { registerSearchAttributes } from '../core/temporal/register-search-attributes.js';
import { createKilnWorker } from './create-worker.js';
import { installWorkerRuntime } from './install-runtime.js';
import { startMetricsServer } from './metrics-server.js';
import { openBackends, type Backends } from './open-backends.js';
import { cleanUpAfterDeadWorkers } from './orphan-cleanup.js';
import { errorFields, kilnLog } from '../core/logging/kiln-log.js';
import { installTracing } from '../core/tracing/kiln-tracing.js';
import { tracingClientInterceptors } from '../core/tracing/temporal-tracing.js';

export interface EmbeddedStackOptions {
  /** Serve the HTTP API (default true). */
  api?: boolean;
  /** Run a worker in this process (default true). */
  worker?: boolean;
  /** Ask the OS for a free API port instead of config.apiPort (tests). */
  ephemeralApiPort?: boolean;
  /** Relaunch model servers recorded as serving (default false; `kiln up` sets it). */
  restoreServing?: boolean;
}

export interface EmbeddedStack {
  temporalAddress: string;
  webUiUrl: string | undefined;
  apiUrl: string | undefined;
  /** A worker-only process's /metrics (KILN_METRICS_ADDRESS); with the API it is the API's `GET /metrics`. */
  metricsUrl: string | undefined;
  /** The MLflow export (KILN_MLFLOW_URL), when this process runs a worker and the URL is set. */
  mlflowExport: MlflowExport | undefined;
  /** The local administrator's token (also in `$KILN_HOME/credentials/admin.token`); set when the API runs. */
  adminToken: string | undefined;
  client: Client;
  service: KilnService;
  backends: Backends;
  stop(): Promise<void>;
}

/**
 * Everything Kiln needs on one machine: the Temporal dev server (unless TEMPORAL_ADDRESS is
 * set), the metadata and artifact stores, a worker and the HTTP API, stopped in reverse order.
 */
export async function startEmbeddedStack(config: KilnConfig, options: EmbeddedStackOptions = {}): Promise<EmbeddedStack> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const fn of stops.reverse()) await fn().catch((error: unknown) => kilnLog().error(errorFields(error), 'kiln: while stopping'));
  };
  try {
    // Before the first client and worker, which take its interceptors; spans still buffered leave on stop.
    const tracing = installTracing(config.tracing);
    stops.push(() => tracing.flush());
    // Backends first: a misconfigured database or store refuses start-up before anything runs.
    const backends = await openBackends(config);
    stops.push(() => backends.close());
    let devServer: DevServer | undefined;
    let mlflowExport: MlflowExport | undefined;
    if (!config.temporalAddress) {
      devServer = await startDevServer({
        temporalBinary: await requireTool(config, 'temporal'),
        dbFile: homePaths(config.home).temporalDb,
        port: config.temporalPort,
        uiPort: config.temporalUiPort,
        namespace: config.temporalNamespace,
      });
      stops.push(() => devServer!.stop());
    }
    const temporalAddress = config.temporalAddress ?? devServer!.address;
    const runsWorker = options.worker !== false;
    // Before any native connection: the worker runtime's telemetry is set once, first.
    if (runsWorker) await installWorkerRuntime();
    // With a worker here, the client shares its native connection: the runs it starts can be
    // started eagerly on this worker (core/temporal/client-connection.ts).
    const workerConnection = runsWorker ? await NativeConnection.connect({ address: temporalAddress }) : undefined;
    const connection = workerConnection ?? (await connectTemporalClient({ address: temporalAddress }));
    stops.push(() => connection.close());
    if (config.temporalAddress) await registerSearchAttributes(connection, config.temporalNamespace);
    const client = new Client({ connection, namespace: config.temporalNamespace, interceptors: tracingClientInterceptors(tracing) });

    if (workerConnection) {
      // Before polling: a retry of a dead worker's stage must not run beside its leftover process.
      const cleaned = await cleanUpAfterDeadWorkers(config.home, client, backends.artifacts);
      if (cleaned.groups + cleaned.activities > 0) {
        kilnLog().warn(
          { killed_process_groups: cleaned.groups, salvaged_checkpoints: cleaned.salvagedCheckpoints, failed_activities: cleaned.activities },
          `kiln: cleaned up after a dead worker: killed ${cleaned.groups} stage process group(s), uploaded ${cleaned.salvagedCheckpoints} step(s) of unsent checkpoints, failed ${cleaned.activities} abandoned activity attempt(s) for retry`,
        );
      }
      const deps = { config, temporal: client, metadata: backends.metadata, artifacts: backends.artifacts, platform: backends.platform };
      // After the worker has stopped (stops run in reverse): what the executor keeps between stages, such as fork servers.
      stops.push(async () => backends.platform.executor.close?.());
      const worker: Worker = await createKilnWorker({
        connection: workerConnection,
        namespace: config.temporalNamespace,
        taskQueue: config.taskQueue,
        deps,
      });
      const running = worker.run();
      stops.push(async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      });
      // GPU stages: their own queue, as many slots as GPUs, so Kiln never floods the cluster with unschedulable pods.
      const gpuSlots = backends.platform.capabilities.gpuSlots;
      if (gpuSlots > 0) {
        const gpuWorker = await createKilnWorker({
          connection: workerConnection,
          namespace: config.temporalNamespace,
          taskQueue: gpuTaskQueue(config.taskQueue),
          deps,
          maxConcurrentActivities: gpuSlots,
          activitiesOnly: true,
        });
        const gpuRunning = gpuWorker.run();
        stops.push(async () => {
          if (gpuWorker.getState() === 'RUNNING') gpuWorker.shutdown();
          await gpuRunning;
        });
      }
      // Model servers this stack owns (local processes) stop with it and come back with the next
      // `kiln up`; a cluster's Deployments keep running, and the platform's serving does nothing here.
      stops.push(() => backends.platform.serving.stopAll());
      // So do workspace servers (their files stay; `kiln workspace start` brings one back).
      stops.push(() => backends.platform.workspaces.stopAll());
      if (options.restoreServing) await backends.platform.serving.restoreAll();
      // What this stack's model servers logged reaches the artifact store, where monitoring reads it.
      const shipping = startLogShipping({
        store: backends.artifacts,
        spools: () => backends.platform.serving.predictionSpools(),
        retentionDays: config.predictionRetentionDays,
        onError: (error) => kilnLog().warn(errorFields(error), 'kiln: shipping prediction logs failed; the segments stay in the spool'),
      });
      stops.push(() => shipping.stop());
      if (config.mlflow) {
        const settings = config.mlflow;
        mlflowExport = startMlflowExport({
          metadata: backends.metadata,
          artifacts: backends.artifacts,
          url: settings.url,
          token: await mlflowToken(settings),
          intervalMs: settings.intervalMs,
          onError: (error) => kilnLog().warn(errorFields(error), 'kiln: MLflow export pass failed; it is retried on the next pass'),
          onRefused: (error) => kilnLog().warn(errorFields(error), 'kiln: MLflow refused an export; it is retried later'),
        });
        stops.push(() => mlflowExport!.stop());
      }
    }

    const webUiUrl = devServer?.uiUrl ?? config.temporalUiUrl;
    const service = new KilnService({
      temporal: client,
      metadata: backends.metadata,
      taskQueue: config.taskQueue,
      ...(gpuQueueOf(config) ? { gpuTaskQueue: gpuQueueOf(config) } : {}),
      namespace: config.temporalNamespace,
      webUiUrl,
      artifacts: backends.artifacts,
      ...(config.oidc ? { oidc: config.oidc } : {}),
      inputRoots: { allowed: config.dataRoots, denied: [config.home] },
      workspaces: { hosting: backends.platform.workspaces, checkSeconds: config.workspaceCheckSeconds },
    });
    let apiUrl: string | undefined;
    let adminToken: string | undefined;
    if (options.api !== false) {
      // Watchers are Temporal Schedules: recreate any that a dataset declares but Temporal lacks.
      const restored = await service.reconcileWatchSchedules().catch((error: unknown) => {
        kilnLog().error(errorFields(error), 'kiln: could not check the dataset watch schedules');
        return [];
      });
      if (restored.length) kilnLog().info({ datasets: restored }, `kiln: recreated the watch schedule of ${restored.join(', ')}`);
      const monitors = await service.reconcileMonitorSchedules().catch((error: unknown) => {
        kilnLog().error(errorFields(error), 'kiln: could not check the monitor schedules');
        return [];
      });
      if (monitors.length) kilnLog().info({ models: monitors }, `kiln: recreated the monitor schedule of ${monitors.join(', ')}`);
      // The host of the configured API URL is how the CLI reaches us, so it is always allowed.
      const allowedHosts = [...config.apiAllowedHosts, new URL(config.apiUrl).hostname.toLowerCase()];
      // The first start makes an administrator and leaves its token where the local CLI finds it.
      const admin = config.adminTokenFile
        ? await service.access.provisionAdminToken(config.adminTokenFile)
        : await service.access.bootstrapAdmin(homePaths(config.home).adminToken);
      if (admin.token === undefined)
        kilnLog().warn(
          { user: BOOTSTRAP_ADMIN },
          `kiln: user ${BOOTSTRAP_ADMIN} is disabled: no admin token written (use kiln login with another admin's token)`,
        );
      if (admin.created && !config.adminTokenFile)
        kilnLog().info(
          { path: homePaths(config.home).adminToken },
          `kiln: created the admin token in ${homePaths(config.home).adminToken} (mode 0600; the CLI on this data directory uses it)`,
        );
      adminToken = admin.token;
      const api = await startApiServer(kilnRoutes(service), config.apiHost, options.ephemeralApiPort ? 0 : config.apiPort, {
        allowedHosts,
        security: service.access,
        workspaces: service.workspaces,
        consoleDir: join(config.installDir, 'dist', 'console'),
        traceRequests: tracing.enabled,
      });
      stops.push(() => api.close());
      apiUrl = api.url;
    }
    // Without the API, /metrics needs a port of its own (with it, GET /metrics is an API route).
    let metricsUrl: string | undefined;
    if (options.api === false && config.metricsAddress) {
      const metrics = await startMetricsServer(config.metricsAddress);
      stops.push(metrics.stop);
      metricsUrl = metrics.url;
    }
    return { temporalAddress, webUiUrl, apiUrl, metricsUrl, mlflowExport, adminToken, client, service, backends, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
