import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { SpecValidationError } from '../../errors.js';
import { ignoreStatus } from '../../kubernetes/api-errors.js';
import type { KubeClients } from '../../kubernetes/kube-clients.js';
import type { KubernetesSettings } from '../../kubernetes/kubernetes-settings.js';
import { LABELS } from '../../kubernetes/labels.js';
import { watchObjects } from '../../kubernetes/watch-objects.js';
import type { ExecutorCapabilities, StageExecutor, StageExit, StageObserver, StageProcessSpec } from '../executor.js';
import { largestGpuNode } from './gpu-capacity.js';
import { PodLogFollower } from './pod-log-follower.js';
import { buildStageJob, STAGE_CONTAINER, stageJobName, stageLabels } from './stage-job.js';
import { stageJobState, type StageJobState } from './stage-pod-state.js';

export interface KubernetesExecutorOptions {
  clients: KubeClients;
  settings: KubernetesSettings;
  /** How long an image that cannot be pulled is given before the attempt fails. Default 60 s. */
  imagePullGraceMs?: number;
  /** How long to wait for the rest of a finished pod's log. Default 2 s. */
  logDrainMs?: number;
}

/**
 * Runs each stage attempt as a Kubernetes Job (stage-job.ts). Completion is event-driven: the
 * Job and its pod are watched, with a list on every (re)connect, never polled. Logs stream
 * from the API server into the same observer the local executor feeds. Cancelling deletes the
 * Job and its pods. Temporal owns retries, so a Job never retries by itself.
 */
export class KubernetesExecutor implements StageExecutor {
  readonly capabilities: ExecutorCapabilities = Object.freeze({ workspace: 'remote', supportsGpu: true, enforcesResourceLimits: true });

  constructor(private readonly options: KubernetesExecutorOptions) {}

  async run(spec: StageProcessSpec, observer: StageObserver): Promise<StageExit> {
    const placement = spec.placement;
    if (!placement)
      throw new SpecValidationError([{ path: 'placement', message: `stage ${spec.id}: the Kubernetes executor needs a placement (image, resources, inputs)` }]);
    const { clients, settings } = this.options;
    if (spec.signal?.aborted) return cancelledExit(new Date());
    if (placement.resources.gpus > 0) {
      // Rejected before launch: a pod nobody can ever schedule would wait forever.
      const largest = await largestGpuNode(clients);
      if (placement.resources.gpus > largest) {
        throw new SpecValidationError([
          { path: 'environment.max_used_gpu', message: `asks for ${placement.resources.gpus} GPUs; the largest node in the cluster has ${largest}` },
        ]);
      }
    }
    const job = buildStageJob(spec, placement, settings);
    const name = stageJobName(placement);
    const startedAt = new Date();
    // The same attempt re-run (a retried activity task): adopt the Job it already created.
    await ignoreStatus(409, () => clients.batch.createNamespacedJob({ namespace: settings.namespace, body: job }));
    const labels = stageLabels(placement);
    const selector = [LABELS.run, LABELS.stage, LABELS.attempt].map((k) => `${k}=${labels[k]}`).join(',');
    return this.follow(name, selector, spec, observer, startedAt);
  }

  private follow(name: string, podSelector: string, spec: StageProcessSpec, observer: StageObserver, startedAt: Date): Promise<StageExit> {
    const { clients, settings } = this.options;
    const ns = settings.namespace;
    const pullGraceMs = this.options.imagePullGraceMs ?? 60_000;
    return new Promise<StageExit>((resolve, reject) => {
      let job: V1Job | undefined;
      let pod: V1Pod | undefined;
      let lastPending: string | undefined;
      let pullFailingSince: number | undefined;
      let logs: PodLogFollower | undefined;
      let settled = false;

      const finish = (exit: Omit<StageExit, 'startedAt' | 'finishedAt' | 'durationMs' | 'cancelled'> & { cancelled?: boolean }) => {
        if (settled) return;
        settled = true;
        stopJob();
        stopPods();
        spec.signal?.removeEventListener('abort', onAbort);
        const finishedAt = new Date();
        // A pod that finished before it was seen running still has a log to read.
        if (!logs && !exit.cancelled && pod?.metadata?.name)
          logs = new PodLogFollower(clients, ns, pod.metadata.name, STAGE_CONTAINER, (line) => observer.onLine(line, 'stdout'));
        const drained = logs && !exit.cancelled ? logs.finish(this.options.logDrainMs ?? 2_000) : Promise.resolve(logs?.abort());
        void drained.then(() => {
          resolve({ cancelled: false, ...exit, startedAt, finishedAt, durationMs: finishedAt.getTime() - startedAt.getTime() });
        });
      };
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        stopJob();
        stopPods();
        logs?.abort();
        reject(error);
      };
      const onAbort = () => {
        void deleteJob(clients, ns, name).then(
          () => finish({ exitCode: null, signal: null, timedOut: false, cancelled: true }),
          (error: unknown) => fail(error),
        );
      };

      const update = () => {
        if (settled) return;
        const state: StageJobState = stageJobState(job, pod);
        if (state.kind === 'finished') return finish({ ...state.exit });
        if (state.kind === 'pending') {
          if (state.reason !== lastPending) observer.onPending?.((lastPending = state.reason));
          if (state.imagePullFailing) {
            pullFailingSince ??= Date.now();
            if (Date.now() - pullFailingSince >= pullGraceMs) {
              void deleteJob(clients, ns, name).finally(() =>
                finish({ exitCode: null, signal: null, timedOut: false, platformFailure: 'image_pull_failure', platformMessage: state.reason }),
              );
            } else setTimeout(update, pullGraceMs - (Date.now() - pullFailingSince) + 10);
          } else pullFailingSince = undefined;
          return;
        }
        if (!logs) {
          observer.onStart?.({ pid: 0, startedAt: new Date() });
          logs = new PodLogFollower(clients, ns, state.podName, STAGE_CONTAINER, (line) => observer.onLine(line, 'stdout'));
        }
      };

      const stopJob = watchObjects<V1Job>({
        watch: clients.watch,
        path: `/apis/batch/v1/namespaces/${ns}/jobs`,
        fieldSelector: `metadata.name=${name}`,
        list: () => clients.batch.listNamespacedJob({ namespace: ns, fieldSelector: `metadata.name=${name}` }),
        onEvent: (type, object) => {
          if (type === 'DELETED' && !settled && !spec.signal?.aborted) {
            // Someone else deleted it (kubectl, a TTL): the attempt is lost, and retried.
            return finish({ exitCode: null, signal: null, timedOut: false, platformFailure: 'evicted', platformMessage: `Job ${name} was deleted` });
          }
          job = object;
          update();
        },
        onError: fail,
      });
      const stopPods = watchObjects<V1Pod>({
        watch: clients.watch,
        path: `/api/v1/namespaces/${ns}/pods`,
        labelSelector: podSelector,
        list: () => clients.core.listNamespacedPod({ namespace: ns, labelSelector: podSelector }),
        onEvent: (type, object) => {
          if (type !== 'DELETED') pod = object;
          update();
        },
        onError: fail,
      });
      spec.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** Deletes the Job and, in the background, its pods (Jobs orphan their pods unless told). */
export async function deleteJob(clients: KubeClients, namespace: string, name: string): Promise<void> {
  await ignoreStatus(404, () => clients.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background' }));
}

function cancelledExit(now: Date): StageExit {
  return { exitCode: null, signal: null, timedOut: false, cancelled: true, startedAt: now, finishedAt: now, durationMs: 0 };
}
