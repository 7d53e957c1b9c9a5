/** An environment spec's resource fields (core/specs/environment.ts), as the workflow sees them. */
export interface EnvironmentResourceSpec {
  cpu_limit?: number;
  memory_limit?: number;
  use_gpu?: boolean;
  max_used_gpu?: number;
}

/** The environment's limits as Kubernetes quantities; pure, so the workflow can compute it. */
export function stageResources(spec: EnvironmentResourceSpec): { cpu?: string; memory?: string; gpus: number } {
  const cpu = spec.cpu_limit === undefined ? undefined : Number.isInteger(spec.cpu_limit) ? String(spec.cpu_limit) : `${Math.round(spec.cpu_limit * 1000)}m`;
  return {
    ...(cpu ? { cpu } : {}),
    ...(spec.memory_limit ? { memory: `${spec.memory_limit}Mi` } : {}),
    gpus: spec.use_gpu ? (spec.max_used_gpu ?? 1) : 0,
  };
}

/** The task queue of GPU stages: served by a worker whose slots equal the GPUs Kiln may use. */
export function gpuTaskQueue(taskQueue: string): string {
  return `${taskQueue}-gpu`;
}

/**
 * The GPU queue when stages run on Kubernetes with KILN_GPU_SLOTS > 0, otherwise undefined (GPU
 * stages then use the run's own queue). Structural parameter: this module stays free of config imports.
 */
export function gpuQueueOf(config: { executor: string; taskQueue: string; kubernetes?: { gpuSlots?: number } | undefined }): string | undefined {
  return config.executor === 'kubernetes' && (config.kubernetes?.gpuSlots ?? 0) > 0 ? gpuTaskQueue(config.taskQueue) : undefined;
}
