import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

/**
 * Installs the Temporal worker runtime once per process with warning-level logs: worker
 * state chatter would bury the CLI's own output. Must run before the first worker exists.
 */
export function installWorkerRuntime(): void {
  if (installed) return;
  installed = true;
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed by the embedding program (e.g. a test harness): keep its settings.
  }
}
