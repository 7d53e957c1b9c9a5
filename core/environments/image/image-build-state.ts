import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { BackendUnavailableError } from '../../errors.js';
import { EnvironmentBuildError } from '../environment-build-error.js';
import { BUILD_CONTAINER } from './kaniko-job.js';

/** Where an image build stands, read from its Job and pod: what the builder acts on. */
export type ImageBuildState =
  | { kind: 'pending'; imagePullFailing?: string }
  | { kind: 'running'; podName: string }
  | { kind: 'succeeded'; podName?: string; imageDigest?: string }
  | { kind: 'failed'; podName?: string; error: EnvironmentBuildError | BackendUnavailableError };

const IMAGE_PULL_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName']);

/**
 * Classifies a build. Kaniko exiting non-zero means the Dockerfile cannot be built (a
 * requirement pip cannot resolve): an EnvironmentBuildError, never retried. The pod being
 * evicted or disrupted, or the executor image not pulling, says nothing about the spec: a
 * BackendUnavailableError, which Temporal retries.
 */
export function imageBuildState(job: V1Job | undefined, pod: V1Pod | undefined, dependencies: readonly string[]): ImageBuildState {
  const condition = (type: string) => job?.status?.conditions?.find((c) => c.type === type && c.status === 'True');
  const podName = pod?.metadata?.name;
  const terminated = pod?.status?.containerStatuses?.find((c) => c.name === BUILD_CONTAINER)?.state?.terminated;
  const disrupted = pod?.status?.conditions?.find((c) => c.type === 'DisruptionTarget' && c.status === 'True');

  if (pod?.status?.phase === 'Failed' && (pod.status.reason === 'Evicted' || disrupted)) {
    const why = pod.status.message ?? disrupted?.message ?? pod.status.reason ?? 'disrupted';
    return { kind: 'failed', podName, error: new BackendUnavailableError('kubernetes', `image build pod ${podName} was stopped by the cluster: ${why}`) };
  }
  if (condition('Complete')) {
    const digest = /sha256:[0-9a-f]{64}/.exec(terminated?.message ?? '')?.[0];
    return { kind: 'succeeded', podName, ...(digest ? { imageDigest: digest } : {}) };
  }
  const failed = condition('Failed');
  if (failed?.reason === 'DeadlineExceeded') {
    return {
      kind: 'failed',
      podName,
      error: new EnvironmentBuildError(dependencies, [], `image build did not finish within the Job's deadline (${job?.spec?.activeDeadlineSeconds ?? '?'} s)`),
    };
  }
  if (failed && terminated && terminated.exitCode !== 0) {
    const how =
      terminated.reason === 'OOMKilled' ? `was killed for lack of memory (exit code ${terminated.exitCode})` : `exited with code ${terminated.exitCode}`;
    const tail = (terminated.message ?? '').trimEnd().split('\n').filter(Boolean).slice(-20);
    return { kind: 'failed', podName, error: new EnvironmentBuildError(dependencies, tail, `building the environment image failed: kaniko ${how}`) };
  }
  if (failed) {
    // No pod left to explain it (deleted, or collected): nothing says the spec is at fault.
    return {
      kind: 'failed',
      podName,
      error: new BackendUnavailableError('kubernetes', `image build Job ${job?.metadata?.name} failed: ${failed.reason ?? ''} ${failed.message ?? ''}`.trim()),
    };
  }

  const waiting = pod?.status?.containerStatuses?.find((c) => IMAGE_PULL_REASONS.has(c.state?.waiting?.reason ?? ''))?.state?.waiting;
  if (waiting) return { kind: 'pending', imagePullFailing: `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}` };
  const running = pod?.status?.containerStatuses?.find((c) => c.name === BUILD_CONTAINER)?.state?.running;
  if (podName && (running || terminated)) return { kind: 'running', podName };
  return { kind: 'pending' };
}
