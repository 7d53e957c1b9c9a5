import type { KubernetesObject, V1Job, V1Pod } from '@kubernetes/client-node';
import { BackendUnavailableError, ConflictError } from '../../errors.js';
import { PodLogFollower } from '../../executors/kubernetes/pod-log-follower.js';
import { ignoreStatus } from '../../kubernetes/api-errors.js';
import type { KubeClients } from '../../kubernetes/kube-clients.js';
import type { KubernetesSettings } from '../../kubernetes/kubernetes-settings.js';
import { LABELS } from '../../kubernetes/labels.js';
import { watchObjects } from '../../kubernetes/watch-objects.js';
import { buildSpecOf, type EnvironmentSpec } from '../../specs/environment.js';
import { renderDockerfile } from './dockerfile.js';
import { imageBuildState } from './image-build-state.js';
import { BUILD_CONTAINER, BUILT_IMAGE_ANNOTATION, buildContextConfigMap, buildImageJob, imageBuildName } from './kaniko-job.js';

export interface KanikoImageBuilderOptions {
  clients: KubeClients;
  settings: KubernetesSettings;
  /** A kubernetes.io/dockerconfigjson Secret with push rights on settings.imageRegistry. Default: none (anonymous push). */
  registrySecret?: string;
  /** The registry speaks plain HTTP (an in-cluster registry without TLS). Default false. */
  insecureRegistry?: boolean;
  /** Longest a build may run: the Job's activeDeadlineSeconds. Default 1800. */
  buildTimeoutSeconds?: number;
  /** How long the Kaniko image may fail to pull before the build fails (retryably). Default 60 s. */
  imagePullGraceMs?: number;
  /** How long to wait for the rest of the build log once the Job finished. Default 2 s. */
  logDrainMs?: number;
}

export interface ImageBuildOptions {
  /** Aborting deletes the build Job (and, in the background, its pod). */
  signal?: AbortSignal;
  /** Each line of the build pod's log, while it runs. */
  onLine?(line: string): void;
}

export interface BuiltImage {
  /** `<imageRegistry>:<spec digest>`: what pods run. */
  image: string;
  /** The environment's spec digest. */
  digest: string;
  /** The pushed manifest's digest (`sha256:…`), when Kaniko reported it. */
  imageDigest?: string;
  /** Time this call took (0 when the image was already recorded as built). */
  durationMs: number;
  /** True when this call built nothing: the image existed, or another caller's build was joined. */
  reused: boolean;
}

/**
 * Builds environment images in the cluster with Kaniko, one Job per spec digest, the
 * Kubernetes counterpart of VenvBuilder. The Job's name comes from the digest, so concurrent
 * builders of one spec meet at the same Job; the context ConfigMap, annotated once the image
 * was pushed, is the record that a tag exists and is never rebuilt. Completion is watched.
 */
export class KanikoImageBuilder {
  private readonly options: KanikoImageBuilderOptions;

  constructor(options: KanikoImageBuilderOptions) {
    this.options = Object.freeze({ ...options });
  }

  imageFor(digest: string): string {
    return `${this.options.settings.imageRegistry}:${digest}`;
  }

  /** The built image for `digest`, if the cluster records one. */
  async locate(digest: string): Promise<BuiltImage | undefined> {
    const { clients, settings } = this.options;
    const configMap = await ignoreStatus(404, () => clients.core.readNamespacedConfigMap({ name: imageBuildName(digest), namespace: settings.namespace }));
    if (!configMap) return undefined;
    const annotations = configMap.metadata?.annotations ?? {};
    // A digest sharing the first 16 characters would share the name (and the Dockerfile): refuse, never build the wrong one.
    if (annotations[LABELS.environment] !== digest) {
      throw new ConflictError('image build', `ConfigMap ${imageBuildName(digest)} holds another environment whose digest starts like ${digest.slice(0, 16)}`);
    }
    const built = annotations[BUILT_IMAGE_ANNOTATION];
    if (!built) return undefined;
    const imageDigest = built.split('@')[1];
    return { image: this.imageFor(digest), digest, ...(imageDigest ? { imageDigest } : {}), durationMs: 0, reused: true };
  }

  async build(spec: EnvironmentSpec, digest: string, opts: ImageBuildOptions = {}): Promise<BuiltImage> {
    const started = Date.now();
    opts.signal?.throwIfAborted();
    const existing = await this.locate(digest);
    if (existing) return existing;
    const { clients, settings } = this.options;
    const namespace = settings.namespace;
    // Same digest, same Dockerfile: a ConfigMap left by an earlier attempt is already right.
    await ignoreStatus(409, () =>
      clients.core.createNamespacedConfigMap({ namespace, body: buildContextConfigMap(digest, renderDockerfile(spec, digest), settings) }),
    );
    const { job, joined } = await this.createOrJoin(digest);
    const { imageDigest } = await this.follow(job, buildSpecOf(spec).dependencies, opts);
    const image = this.imageFor(digest);
    await ignoreStatus(404, () =>
      clients.core.patchNamespacedConfigMap({
        name: imageBuildName(digest),
        namespace,
        body: [
          { op: 'add', path: `/metadata/annotations/${BUILT_IMAGE_ANNOTATION.replace('/', '~1')}`, value: imageDigest ? `${image}@${imageDigest}` : image },
        ],
      }),
    );
    return { image, digest, ...(imageDigest ? { imageDigest } : {}), durationMs: Date.now() - started, reused: joined };
  }

  /** Creates the build Job, or joins the one another caller created; a failed one is replaced, since this call is a new attempt. */
  private async createOrJoin(digest: string): Promise<{ job: V1Job; joined: boolean }> {
    const { clients, settings } = this.options;
    const namespace = settings.namespace;
    const name = imageBuildName(digest);
    const body = buildImageJob(
      {
        digest,
        destination: this.imageFor(digest),
        deadlineSeconds: this.deadlineSeconds(),
        registrySecret: this.options.registrySecret,
        insecureRegistry: this.options.insecureRegistry,
      },
      settings,
    );
    // Bounded: each round either creates, joins, or clears a failed Job out of the way.
    for (let attempt = 1; attempt <= 4; attempt++) {
      const created = await ignoreStatus(409, () => clients.batch.createNamespacedJob({ namespace, body }));
      if (created) return { job: created, joined: false };
      const existing = await ignoreStatus(404, () => clients.batch.readNamespacedJob({ name, namespace }));
      if (!existing) continue;
      if (existing.metadata?.annotations?.[LABELS.environment] !== digest) {
        throw new ConflictError('image build', `Job ${name} builds another environment whose digest starts like ${digest.slice(0, 16)}`);
      }
      const failed = existing.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True');
      const deleting = Boolean(existing.metadata?.deletionTimestamp);
      if (!failed && !deleting) return { job: existing, joined: true };
      await deleteJob(clients, namespace, name);
      await this.untilGone(name);
    }
    throw new BackendUnavailableError('kubernetes', `image build Job ${name} kept failing or being deleted while this build started`);
  }

  private follow(job: V1Job, dependencies: readonly string[], opts: ImageBuildOptions): Promise<{ imageDigest?: string }> {
    const { clients, settings } = this.options;
    const namespace = settings.namespace;
    const name = job.metadata!.name!;
    const podSelector = `batch.kubernetes.io/controller-uid=${job.metadata!.uid!}`;
    const pullGraceMs = this.options.imagePullGraceMs ?? 60_000;
    return new Promise((resolve, reject) => {
      let current: V1Job | undefined = job;
      let pod: V1Pod | undefined;
      let logs: PodLogFollower | undefined;
      let pullFailingSince: number | undefined;
      let settled = false;

      const settle = (outcome: { imageDigest?: string } | Error) => {
        if (settled) return;
        settled = true;
        stopJob();
        stopPods();
        clearTimeout(deadline);
        opts.signal?.removeEventListener('abort', onAbort);
        const aborted = opts.signal?.aborted;
        const drained = logs && !aborted ? logs.finish(this.options.logDrainMs ?? 2_000) : Promise.resolve(logs?.abort());
        void drained.then(() => (outcome instanceof Error ? reject(outcome) : resolve(outcome)));
      };
      const onAbort = () => {
        void deleteJob(clients, namespace, name).finally(() =>
          settle(opts.signal!.reason instanceof Error ? opts.signal!.reason : new Error('image build aborted')),
        );
      };
      // A backstop only: the Job's own deadline ends a stuck build first.
      const deadline = setTimeout(
        () => settle(new BackendUnavailableError('kubernetes', `image build Job ${name} did not finish within ${this.deadlineSeconds() + 120} s`)),
        (this.deadlineSeconds() + 120) * 1000 + pullGraceMs,
      );

      const update = () => {
        if (settled) return;
        const state = imageBuildState(current, pod, dependencies);
        if (state.kind !== 'pending' && state.podName && !logs && opts.onLine) {
          logs = new PodLogFollower(clients, namespace, state.podName, BUILD_CONTAINER, opts.onLine);
        }
        if (state.kind === 'succeeded') return settle(state.imageDigest ? { imageDigest: state.imageDigest } : {});
        if (state.kind === 'failed') return settle(state.error);
        if (state.kind !== 'pending' || !state.imagePullFailing) return void (pullFailingSince = undefined);
        pullFailingSince ??= Date.now();
        const left = pullGraceMs - (Date.now() - pullFailingSince);
        if (left > 0) return void setTimeout(update, left + 10);
        // Deleted so that the retry this error asks for starts a fresh pod.
        void deleteJob(clients, namespace, name).finally(() =>
          settle(
            new BackendUnavailableError('kubernetes', `image build pod ${pod?.metadata?.name}: the Kaniko image cannot be pulled (${state.imagePullFailing})`),
          ),
        );
      };

      const stopJob = watchObjects<V1Job>({
        watch: clients.watch,
        path: `/apis/batch/v1/namespaces/${namespace}/jobs`,
        fieldSelector: `metadata.name=${name}`,
        list: () => clients.batch.listNamespacedJob({ namespace, fieldSelector: `metadata.name=${name}` }),
        onEvent: (type, object) => {
          if (object.metadata?.uid !== job.metadata!.uid) return;
          if (type === 'DELETED' && !opts.signal?.aborted) {
            return settle(new BackendUnavailableError('kubernetes', `image build Job ${name} was deleted before it finished`));
          }
          current = object;
          update();
        },
        onError: (error) => settle(error instanceof Error ? error : new Error(String(error))),
      });
      const stopPods = watchObjects<V1Pod>({
        watch: clients.watch,
        path: `/api/v1/namespaces/${namespace}/pods`,
        labelSelector: podSelector,
        list: () => clients.core.listNamespacedPod({ namespace, labelSelector: podSelector }),
        onEvent: (type, object) => {
          if (type !== 'DELETED') pod = object;
          update();
        },
        onError: (error) => settle(error instanceof Error ? error : new Error(String(error))),
      });
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      if (opts.signal?.aborted) onAbort();
    });
  }

  /** Resolves once no Job of this name exists (a deleted one may linger while its finalizers run). */
  private untilGone(name: string): Promise<void> {
    const { clients, settings } = this.options;
    const namespace = settings.namespace;
    return new Promise((resolve, reject) => {
      const done = (error?: unknown) => {
        stop();
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(() => done(new BackendUnavailableError('kubernetes', `Job ${name} was not deleted within 60 s`)), 60_000);
      const stop = watchObjects<KubernetesObject>({
        watch: clients.watch,
        path: `/apis/batch/v1/namespaces/${namespace}/jobs`,
        fieldSelector: `metadata.name=${name}`,
        list: async () => {
          const listed = await clients.batch.listNamespacedJob({ namespace, fieldSelector: `metadata.name=${name}` });
          if (listed.items.length === 0) setImmediate(() => done());
          return listed;
        },
        onEvent: (type) => void (type === 'DELETED' && done()),
        onError: done,
      });
    });
  }

  private deadlineSeconds(): number {
    return this.options.buildTimeoutSeconds ?? 1800;
  }
}

/** Deletes a Job and, in the background, its pods (a Job orphans its pods unless told). Gone already is fine. */
async function deleteJob(clients: KubeClients, namespace: string, name: string): Promise<void> {
  await ignoreStatus(404, () => clients.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' }));
}
