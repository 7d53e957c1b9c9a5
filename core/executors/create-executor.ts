import type { StageExecutor } from './executor.js';
import { KubernetesExecutor, type KubernetesExecutorOptions } from './kubernetes/kubernetes-executor.js';
import { LocalExecutor, type LocalExecutorOptions } from './local/local-executor.js';

export type ExecutorOptions = ({ kind: 'local' } & LocalExecutorOptions) | ({ kind: 'kubernetes' } & KubernetesExecutorOptions);

/** The one place that picks a stage executor implementation. */
export function createExecutor(options: ExecutorOptions): StageExecutor {
  switch (options.kind) {
    case 'local': {
      const { kind: _kind, ...local } = options;
      return new LocalExecutor(local);
    }
    case 'kubernetes': {
      const { kind: _kind, ...cluster } = options;
      return new KubernetesExecutor(cluster);
    }
    default:
      // Reachable from untyped callers (config files, JS).
      throw new Error(`unknown executor kind ${JSON.stringify((options as { kind: unknown }).kind)}`);
  }
}
