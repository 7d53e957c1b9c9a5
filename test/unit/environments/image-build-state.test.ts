import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { EnvironmentBuildError } from '../../../core/environments/environment-build-error.js';
import { imageBuildState } from '../../../core/environments/image/image-build-state.js';
import { BackendUnavailableError } from '../../../core/errors.js';

const deps = ['numpy==2.1.0'];
const job = (condition?: { type: string; reason?: string }): V1Job => ({
  metadata: { name: 'kiln-build-x' },
  spec: { activeDeadlineSeconds: 900, template: {} },
  status: { conditions: condition ? [{ ...condition, status: 'True' }] : [] },
});
const pod = (status: V1Pod['status']): V1Pod => ({ metadata: { name: 'kiln-build-x-abcde' }, status });
const kaniko = (state: object) => ({ containerStatuses: [{ name: 'kaniko', image: 'kaniko', imageID: '', ready: false, restartCount: 0, state }] });

describe('imageBuildState', () => {
  it('is pending until the pod runs, then running', () => {
    expect(imageBuildState(job(), undefined, deps)).toEqual({ kind: 'pending' });
    expect(imageBuildState(job(), pod({ phase: 'Running', ...kaniko({ running: {} }) }), deps)).toEqual({ kind: 'running', podName: 'kiln-build-x-abcde' });
  });

  it('succeeds when the Job completes, with the pushed digest from the termination message', () => {
    const sha = `sha256:${'c'.repeat(64)}`;
    const state = imageBuildState(job({ type: 'Complete' }), pod({ phase: 'Succeeded', ...kaniko({ terminated: { exitCode: 0, message: sha } }) }), deps);
    expect(state).toEqual({ kind: 'succeeded', podName: 'kiln-build-x-abcde', imageDigest: sha });
  });

  it('fails with an EnvironmentBuildError naming the exit code and the last log lines when Kaniko exits non-zero', () => {
    const message = 'Collecting nope==9\nERROR: No matching distribution found for nope==9\nerror building image: exit status 1';
    const state = imageBuildState(
      job({ type: 'Failed', reason: 'BackoffLimitExceeded' }),
      pod({ phase: 'Failed', ...kaniko({ terminated: { exitCode: 1, reason: 'Error', message } }) }),
      deps,
    );
    expect(state.kind).toBe('failed');
    const error = (state as { error: Error }).error;
    expect(error).toBeInstanceOf(EnvironmentBuildError);
    expect(error.message).toContain('kaniko exited with code 1');
    expect((error as EnvironmentBuildError).outputTail).toEqual(message.split('\n'));
    expect((error as EnvironmentBuildError).dependencies).toEqual(deps);
  });

  it('names an out-of-memory kill', () => {
    const state = imageBuildState(job({ type: 'Failed' }), pod({ phase: 'Failed', ...kaniko({ terminated: { exitCode: 137, reason: 'OOMKilled' } }) }), deps);
    expect((state as { error: Error }).error.message).toContain('killed for lack of memory (exit code 137)');
  });

  it('fails permanently when the build outlives the Job deadline', () => {
    const state = imageBuildState(job({ type: 'Failed', reason: 'DeadlineExceeded' }), undefined, deps);
    expect((state as { error: Error }).error).toBeInstanceOf(EnvironmentBuildError);
    expect((state as { error: Error }).error.message).toContain('900 s');
  });

  it.each<[string, V1Pod['status']]>([
    ['evicted', { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: ephemeral-storage.' }],
    [
      'disrupted (preempted, node drained)',
      { phase: 'Failed', conditions: [{ type: 'DisruptionTarget', status: 'True', message: 'Preempted' }], ...kaniko({ terminated: { exitCode: 143 } }) },
    ],
  ])('fails retryably when the pod was %s', (_label, status) => {
    const state = imageBuildState(job({ type: 'Failed' }), pod(status), deps);
    expect((state as { error: Error }).error).toBeInstanceOf(BackendUnavailableError);
  });

  it('fails retryably when the Job failed with no pod left to explain it', () => {
    expect((imageBuildState(job({ type: 'Failed', reason: 'BackoffLimitExceeded' }), undefined, deps) as { error: Error }).error).toBeInstanceOf(
      BackendUnavailableError,
    );
  });

  it.each(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName'])('reports %s while pending, for the builder to time out retryably', (reason) => {
    const state = imageBuildState(job(), pod({ phase: 'Pending', ...kaniko({ waiting: { reason, message: 'not found' } }) }), deps);
    expect(state).toEqual({ kind: 'pending', imagePullFailing: `${reason}: not found` });
  });
});
