import { Runtime } from '@temporalio/worker';
import { kilnLog } from '../core/logging/kiln-log.js';
import { temporalLogger } from '../core/logging/temporal-log.js';

let installed = false;

/**
 * Installs the Temporal worker runtime once per process, its logs routed through Kiln's logger:
 * what workflows and activities log at the logger's level, the worker's own state chatter from
 * warnings up (it would bury the CLI's output). Must run before the first worker exists.
 */
export function installWorkerRuntime(): void {
  if (installed) return;
  installed = true;
  try {
    Runtime.install({ logger: temporalLogger(kilnLog) });
  } catch {
    // Already installed by the embedding program (e.g. a test harness): keep its settings.
  }
}
