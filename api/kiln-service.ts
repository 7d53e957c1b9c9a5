import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { EnvironmentRef } from '../activities/environments.js';
import type { ArtifactStore } from '../core/artifacts/artifact-store.js';
import { datasetSource, parseS3DatasetPath } from '../core/datasets/dataset-source.js';
import { ConflictError, MissingDataError, NotFoundError, SpecValidationError } from '../core/errors.js';
import type { EnvironmentRecord } from '../core/metadata/environments-repository.js';
import type { MetadataStore } from '../core/metadata/metadata-store.js';
import { resolveInputPath, type InputRoots } from '../core/inputs/input-path.js';
import { sourceDirInput } from '../core/inputs/source-dir-input.js';
import { STAGES } from '../core/pipeline/stage-names.js';
import { parseIdempotencyKey, requestDigest } from '../core/pipeline/idempotent-run-id.js';
import { isTerminal, type RunProgress, type RunStatus } from '../core/pipeline/run-progress.js';
import { newRunId } from '../core/pipeline/workflow-ids.js';
import { syncDatasetWatchSchedule } from '../core/schedules/dataset-watch-schedule.js';
import { syncMonitorSchedule } from '../core/schedules/monitor-schedule.js';
import { startEnvironmentBuild } from '../core/temporal/start-environment-build.js';
import { workflowStartInput } from '../core/temporal/workflow-start-input.js';
import { DatasetSpec, EnvironmentSpec, ProjectSpec, RunRequest, parseSpec } from '../core/specs/index.js';
import { keyedRunId } from '../core/runs/keyed-run-id.js';
import { resolveRun } from '../core/runs/resolve-run.js';
import { describedStatus, storedProgress, withAttempts } from '../core/runs/stored-progress.js';
import { startPipelineRun } from '../core/runs/start-pipeline.js';
import { environmentDigest } from '../core/specs/environment-digest.js';
import type { PipelineInput, PipelineResume, PipelineStart } from '../workflows/pipeline-input.js';
import type { OidcSettings } from '../core/config.js';
import { AccessService } from './access/access-service.js';
import { DatasetsService } from './datasets-service.js';
import { ExperimentsService } from './experiments-service.js';
import { rollbackModel } from './model-rollback.js';
import { FeedbackService } from './feedback-service.js';
import { ModelsService } from './models-service.js';
import { PredictionRouter } from './prediction-router.js';
import { RunDetailsService } from './run-details-service.js';
import { CatalogDetailsService } from './catalog-details-service.js';
import { RolloutsService } from './rollouts-service.js';
import { NO_WORKSPACES, WorkspacesService, type WorkspaceSettings } from './workspaces-service.js';
import { MonitoringService } from './monitoring-service.js';
import { SchedulesService } from './schedules-service.js';
import { progressQuery } from '../workflows/pipeline-signals.js';

export interface KilnServiceOptions {
  temporal: Client;
  metadata: MetadataStore;
  taskQueue: string;
  /** Queue of GPU stages (Kubernetes executor with KILN_GPU_SLOTS); unset: GPU stages use taskQueue. */
  gpuTaskQueue?: string;
  namespace: string;
  /** Temporal Web UI base URL, for links to runs. */
  webUiUrl?: string;
  /** OIDC/JWT bearer tokens accepted besides API tokens. */
  oidc?: OidcSettings;
  /** The artifact store; `s3://` dataset paths are checked through it (an S3 store). Absent: they are rejected. */
  artifacts?: ArtifactStore;
  /** Where dataset files and source directories may lie on this server (core/inputs/input-path.ts). */
  inputRoots: InputRoots;
  /** What the platform hosts and how often workflows look at servers; default: no workspace can be created. */
  workspaces?: WorkspaceSettings;
}

/**
 * What the API and CLI can do, validated at this boundary before anything starts: a bad
 * spec throws SpecValidationError naming the field, and no workflow is started.
 */
export class KilnService {
  /** Tuning experiments (api/experiments-service.ts). */
  readonly experiments: ExperimentsService;
  /** Temporal Schedules that start runs (api/schedules-service.ts). */
  readonly schedules: SchedulesService;
  /** Aliases, approvals and the continuous-training loop of a model (api/models-service.ts). */
  readonly models: ModelsService;
  /** `/predict` by the serving version or a rollout's weights, counting each version's traffic. */
  readonly predictions: PredictionRouter;
  /** Shadow and canary rollouts of model versions (api/rollouts-service.ts). */
  readonly rollouts: RolloutsService;
  readonly feedback: FeedbackService;
  /** Reports of the model monitors (api/monitoring-service.ts). */
  readonly monitoring: MonitoringService;
  /** Users, service accounts, roles, bindings, tokens, audit log; what the API asks of access control (api/access). */
  readonly access: AccessService;
  /** Feature profiles of dataset versions (api/datasets-service.ts). */
  readonly datasets: DatasetsService;
  /** Metric series and stage logs of a run, for the console (api/run-details-service.ts). */
  readonly runDetails: RunDetailsService;
  /** Interactive workspaces (api/workspaces-service.ts). */
  readonly workspaces: WorkspacesService;
  /** Environments' build logs and datasets' versions, for the console (api/catalog-details-service.ts). */
  readonly catalog: CatalogDetailsService;

  constructor(private readonly options: KilnServiceOptions) {
    this.experiments = new ExperimentsService({
      temporal: options.temporal,
      taskQueue: options.taskQueue,
      resolveRun: (request) => this.resolveRun(request),
      webUiLink: (id) => this.webUiLink(id),
      promoteTrial: (runId) => this.promoteTrial(runId),
    });
    this.schedules = new SchedulesService({
      temporal: options.temporal,
      metadata: options.metadata,
      taskQueue: options.taskQueue,
      namespace: options.namespace,
      webUiUrl: options.webUiUrl,
    });
    this.models = new ModelsService({ temporal: options.temporal, metadata: options.metadata, schedules: this.schedules });
    this.predictions = new PredictionRouter(options.metadata);
    this.rollouts = new RolloutsService({ temporal: options.temporal, metadata: options.metadata, taskQueue: options.taskQueue });
    this.feedback = new FeedbackService({ metadata: options.metadata, artifacts: options.artifacts });
    this.monitoring = new MonitoringService({ metadata: options.metadata, artifacts: options.artifacts });
    const stored = { metadata: options.metadata, ...(options.artifacts ? { artifacts: options.artifacts } : {}) };
    this.datasets = new DatasetsService(stored);
    const { oidc } = options;
    this.access = new AccessService({ metadata: options.metadata, temporal: options.temporal, schedules: this.schedules, ...(oidc ? { oidc } : {}) });
    this.workspaces = new WorkspacesService({ ...options, ...(options.workspaces ?? NO_WORKSPACES), directory: () => this.access.directory() });
    this.runDetails = new RunDetailsService(stored);
    this.catalog = new CatalogDetailsService(stored);
  }

  private get metadata() {
    return this.options.metadata;
  }

  async applyEnvironment(input: unknown) {
    const spec = parseSpec(EnvironmentSpec, input, 'environment');
    const digest = environmentDigest(spec);
    await this.metadata.environments.upsert(spec);
    const build = await this.metadata.environments.getBuild(digest);
    // Build now, apart from any run, so runs on this environment never wait for it.
    if (build?.status !== 'ready') await this.startBuild({ name: spec.name, spec, digest });
    return { name: spec.name, spec_digest: digest, build_status: build?.status === 'ready' ? 'ready' : 'building', spec };
  }

  private async startBuild(ref: EnvironmentRef) {
    await startEnvironmentBuild(this.options.temporal, this.options.taskQueue, ref);
  }

  async listEnvironments() {
    const environments = await this.metadata.environments.list();
    return Promise.all(environments.map(async (e: EnvironmentRecord) => ({ ...e, build: (await this.metadata.environments.getBuild(e.specDigest)) ?? null })));
  }

  /**
   * `baseDir` resolves a relative dataset path (the CLI passes its spec file's directory); an
   * `s3://` path must name an existing object the S3 artifact store can read. Creates, updates
   * or deletes the dataset's new-data watch schedule to match `watch`.
   */
  async applyDataset(input: unknown, baseDir = process.cwd()) {
    const spec = parseSpec(DatasetSpec, input, 'dataset');
    const s3 = parseS3DatasetPath(spec.path) !== undefined;
    const path = s3 ? spec.path : await resolveInputPath({ field: 'dataset.path', path: spec.path, baseDir, kind: 'file' }, this.options.inputRoots);
    if (s3) {
      // datasetSource rejects an s3:// path on dataset.path unless the artifact store is an S3 one.
      const found = await datasetSource(path, this.options.artifacts)
        .fingerprint()
        .then(
          () => true,
          (error: unknown) => (error instanceof MissingDataError ? false : Promise.reject(error)),
        );
      if (!found) throw new SpecValidationError([{ path: 'dataset.path', message: `no such object: ${path}` }]);
    }
    const resolved = { ...spec, path };
    await this.metadata.datasets.upsert(resolved);
    await syncDatasetWatchSchedule(this.options.temporal, resolved, { taskQueue: this.options.taskQueue });
    return resolved;
  }

  /**
   * Makes sure every dataset that declares `watch` has its watch schedule (one deleted by hand,
   * or a dataset saved before watchers existed). Run when the API starts; returns those it fixed.
   */
  async reconcileWatchSchedules(): Promise<string[]> {
    const fixed: string[] = [];
    for (const { spec } of await this.metadata.datasets.list()) {
      if (!spec.watch) continue;
      const done = await syncDatasetWatchSchedule(this.options.temporal, spec, { taskQueue: this.options.taskQueue });
      if (done === 'created') fixed.push(spec.name);
    }
    return fixed;
  }

  /** Like reconcileWatchSchedules, for the monitor schedules of projects with `monitoring`; returns the models fixed. */
  async reconcileMonitorSchedules(): Promise<string[]> {
    const fixed: string[] = [];
    for (const { spec } of await this.metadata.projects.list()) {
      if (!spec.monitoring) continue;
      const done = await syncMonitorSchedule(this.options.temporal, spec, { taskQueue: this.options.taskQueue });
      if (done === 'created') fixed.push(spec.model_name ?? spec.name);
    }
    return fixed;
  }

  async listDatasets() {
    return this.metadata.datasets.list();
  }

  async applyProject(input: unknown, baseDir = process.cwd()) {
    const spec = parseSpec(ProjectSpec, input, 'project');
    const sourceDir = await sourceDirInput(spec.source_dir, baseDir, this.options.inputRoots);
    if (!(await this.metadata.datasets.get(spec.dataset)))
      throw new SpecValidationError([{ path: 'project.dataset', message: `dataset "${spec.dataset}" is not registered` }]);
    if (spec.environment && !(await this.metadata.environments.get(spec.environment))) {
      throw new SpecValidationError([{ path: 'project.environment', message: `environment "${spec.environment}" is not registered` }]);
    }
    const resolved = { ...spec, source_dir: sourceDir };
    await this.metadata.projects.upsert(resolved);
    // The monitor schedule follows the project's `monitoring` (created, updated or deleted).
    await syncMonitorSchedule(this.options.temporal, resolved, { taskQueue: this.options.taskQueue });
    return resolved;
  }

  async listProjects() {
    return this.metadata.projects.list();
  }

  /**
   * Validates everything, then starts the pipeline; returns at once with the run id. With an
   * idempotency key the run id is derived from the key, so a repeated or racing start returns
   * the run the key already names (`existing: true`) instead of starting another.
   */
  async startRun(input: unknown, options: { idempotencyKey?: unknown } = {}) {
    const idempotencyKey = parseIdempotencyKey(options.idempotencyKey);
    const request = parseSpec(RunRequest, input);
    const base = await this.resolveRun(request);
    const spec = base.project;
    const digest = requestDigest(request);
    for (let attempt = 1; ; attempt++) {
      const runId =
        idempotencyKey === undefined ? newRunId(spec.name, new Date()) : await keyedRunId(this.options.temporal, this.metadata.runs, spec.name, idempotencyKey);
      const pipelineInput: PipelineInput = { runId, ...base, trigger: { kind: request.trigger ?? 'api' } };
      try {
        await this.launch(pipelineInput, digest);
        return { run_id: runId, workflow_id: runId, status: 'queued' as RunStatus, web_ui_url: this.webUiLink(runId), existing: false };
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
        if (idempotencyKey !== undefined) return this.existingRun(runId, digest);
        // Two starts in the same second drew the same random suffix: draw again.
        if (attempt >= 5) throw error;
      }
    }
  }

  /** A run request resolved against the registered project, dataset and environment: everything but the run id. */
  async resolveRun(request: RunRequest): Promise<Omit<PipelineInput, 'runId'>> {
    const { gpuTaskQueue, artifacts } = this.options;
    return resolveRun(this.metadata, request, { ...(gpuTaskQueue ? { gpuTaskQueue } : {}), artifacts });
  }

  /**
   * Starts a new run that resumes a failed, cancelled or rejected one: same spec, params,
   * policy, environment, source snapshot and dataset version (taken from the original's
   * workflow input and record); its completed stages are reused, the rest run.
   */
  async resumeRun(originalId: string) {
    const original = await this.getRun(originalId);
    if (!RESUMABLE.includes(original.status))
      throw new ConflictError('run', `run ${originalId} is ${original.status}: only failed, cancelled or rejected runs can be resumed`);
    return this.continueFrom(originalId);
  }

  /**
   * Hands a succeeded trial of a tuning experiment to the rest of the pipeline: a new run that
   * reuses the trial's stages (its params, source and data) and goes on to the validation gate,
   * the registry and serving.
   */
  async promoteTrial(trialRunId: string) {
    const trial = await this.getRun(trialRunId);
    if (trial.status !== 'succeeded') throw new ConflictError('run', `trial ${trialRunId} is ${trial.status}: only a succeeded trial can be promoted`);
    return this.continueFrom(trialRunId);
  }

  private async continueFrom(originalId: string) {
    const stored = await this.metadata.runs.getRun(originalId);
    if (!stored) throw new NotFoundError('run', originalId);
    const started = await this.originalInput(originalId);
    const stages: PipelineResume['stages'] = {};
    for (const name of STAGES) {
      const stage = stored.stages.find((s) => s.stage === name);
      if (name === 'preprocess' && !started.project.entrypoints.preprocess) continue;
      if (stage?.status !== 'succeeded' && stage?.status !== 'cached') break;
      const outputsRun = stage.reusedFrom ?? originalId;
      const [metrics, cached] = await Promise.all([
        this.metadata.metrics.latestByName(outputsRun, name),
        this.metadata.stageCache.findByRunStage(outputsRun, name),
      ]);
      stages[name] = { runId: outputsRun, metrics, ...(cached ? { cacheKey: cached.key } : {}) };
    }
    const runId = newRunId(started.project.name, new Date());
    const { trial: _trial, ...base } = started;
    const pipelineInput: PipelineInput = {
      ...base,
      runId,
      resume: { fromRunId: originalId, sourceDigest: stored.sourceDigest ?? undefined, datasetVersion: stored.datasetVersion ?? undefined, stages },
    };
    await this.launch(pipelineInput, requestDigest({ resume: originalId }));
    return {
      run_id: runId,
      workflow_id: runId,
      status: 'queued' as RunStatus,
      web_ui_url: this.webUiLink(runId),
      resumed_from: originalId,
      reused_stages: Object.keys(stages),
    };
  }

  /** The input a pipeline run was started with, from the first event of its history. */
  private async originalInput(runId: string): Promise<PipelineInput> {
    const start = await workflowStartInput<PipelineStart>(this.options.temporal, runId);
    if (!start) throw new NotFoundError('run input', runId);
    // A scheduled run's input was resolved when it fired; resolve its schedule's request again.
    const input: PipelineInput =
      'scheduled' in start
        ? {
            runId,
            ...(await this.resolveRun(
              parseSpec(RunRequest, {
                project: start.scheduled.spec.project,
                params: start.scheduled.spec.params,
                run_policy: start.scheduled.spec.run_policy,
              }),
            )),
            trigger: { kind: 'schedule', schedule: start.scheduled.schedule },
          }
        : start;
    // A resume of a resume starts from the input proper, not the older link.
    const { resume: _older, ...rest } = input;
    return rest;
  }

  private async launch(pipelineInput: PipelineInput, digest: string) {
    await startPipelineRun(this.options.temporal, this.options.taskQueue, pipelineInput, { requestDigest: digest });
  }

  /** The run an idempotency key already names, if it was started by the same request. */
  private async existingRun(runId: string, digest: string) {
    const description = await this.options.temporal.workflow.getHandle(runId).describe();
    if (description.memo?.requestDigest !== digest) throw new ConflictError('run', `idempotency key already used for a different request (run ${runId})`);
    return { run_id: runId, workflow_id: runId, status: describedStatus(description), web_ui_url: this.webUiLink(runId), existing: true };
  }

  webUiLink(workflowId: string): string | undefined {
    return this.options.webUiUrl ? `${this.options.webUiUrl}/namespaces/${this.options.namespace}/workflows/${encodeURIComponent(workflowId)}` : undefined;
  }

  /** A run's progress: queried live while it runs, its result once it succeeded, the stored record otherwise (only a live run needs a worker). */
  async getRun(runId: string): Promise<RunProgress & { web_ui_url?: string }> {
    const handle = this.options.temporal.workflow.getHandle(runId);
    const status = await handle.describe().then(
      (d) => d.status.name,
      (error: unknown) => {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      },
    );
    let progress: RunProgress | undefined;
    if (status === 'RUNNING') progress = await handle.query(progressQuery);
    else if (status === 'COMPLETED') progress = (await handle.result()) as RunProgress;
    else progress = await this.storedRun(runId, status);
    if (!progress) throw new NotFoundError('run', runId);
    return { ...withAttempts(progress, await this.metadata.attempts.list(runId)), web_ui_url: this.webUiLink(runId) };
  }

  private async storedRun(runId: string, workflowStatus: string | undefined): Promise<RunProgress | undefined> {
    const stored = await this.metadata.runs.getRun(runId);
    if (!stored) return undefined;
    const progress = storedProgress(stored);
    progress.metrics = await this.metadata.metrics.latestByName(runId, 'evaluate');
    // Closed without reaching finishRun (terminated by an operator, timed out): say so.
    if (workflowStatus && !isTerminal(progress.status)) {
      progress.status = workflowStatus === 'CANCELLED' ? 'cancelled' : 'failed';
      progress.error ??= `workflow ${workflowStatus.toLowerCase()}`;
    }
    return progress;
  }

  async cancelRun(runId: string) {
    const progress = await this.getRun(runId);
    if (isTerminal(progress.status)) throw new ConflictError('run', `run ${runId} already ${progress.status}`);
    await this.options.temporal.workflow.getHandle(runId).cancel();
    return { run_id: runId, status: 'cancelling' as const };
  }

  async listRuns(filter: { project?: string; status?: string; trigger?: string; schedule?: string; limit?: number }) {
    return this.metadata.runs.listRuns({ ...filter, status: filter.status as never, limit: filter.limit ?? 50 });
  }

  /** POST /v1/models/{name}/rollback: serve an earlier version again (api/model-rollback.ts). */
  async rollbackModel(modelName: string, body: unknown) {
    return rollbackModel({ temporal: this.options.temporal, metadata: this.metadata, taskQueue: this.options.taskQueue }, modelName, body);
  }

  async listModelVersions(modelName?: string) {
    return this.metadata.models.list(modelName);
  }

  /** Routes a checked body (JSON text) to `modelName`'s serving version or rollout (api/prediction-router.ts); answers JSON text. */
  predictJson(modelName: string, body: string): Promise<string> {
    return this.predictions.predictJson(modelName, body);
  }
}

const RESUMABLE: readonly RunStatus[] = ['failed', 'cancelled', 'rejected'];
