import { describe, expect, it } from 'vitest';
import { createExecutor } from '../../../core/executors/create-executor.js';
import type { ExecutorOptions } from '../../../core/executors/create-executor.js';
import { KubernetesSettings } from '../../../core/kubernetes/kubernetes-settings.js';
import type { KubeClients } from '../../../core/kubernetes/kube-clients.js';

describe('createExecutor', () => {
  it('builds the local executor, which neither gives GPUs nor enforces limits, on a local workspace', () => {
    expect(createExecutor({ kind: 'local' }).capabilities).toEqual({ workspace: 'local', supportsGpu: false, enforcesResourceLimits: false });
  });

  it('builds the Kubernetes executor, which gives GPUs and enforces limits, on a remote workspace', () => {
    const executor = createExecutor({ kind: 'kubernetes', clients: {} as KubeClients, settings: KubernetesSettings.parse({}) });
    expect(executor.capabilities).toEqual({ workspace: 'remote', supportsGpu: true, enforcesResourceLimits: true });
  });

  it('refuses an unknown kind from untyped config', () => {
    expect(() => createExecutor({ kind: 'slurm' } as unknown as ExecutorOptions)).toThrow(/unknown executor kind "slurm"/);
  });

  it('refuses a negative kill grace', () => {
    expect(() => createExecutor({ kind: 'local', killGraceMs: -1 })).toThrow(RangeError);
  });
});
