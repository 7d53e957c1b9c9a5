import { Runtime } from '@temporalio/worker';
import { kilnLog } from '../core/logging/kiln-log.js';
import { temporalLogger } from '../core/logging/temporal-log.js';
import { reserveSdkMetricsAddress, useSdkMetricsAddress } from '../core/metrics/temporal-sdk-metrics.js';

let installed = false;

/**
 * Installs the Temporal worker runtime once per process, its logs routed through Kiln's logger:
 * what workflows and activities log at the logger's level, the worker's own state chatter from
 * warnings up (it would bury the CLI's output); its metrics exported for /metrics. Must run
 * before the first worker exists.
 */
export async function installWorkerRuntime(): Promise<void> {
  if (installed) return;
  installed = true;
  // The SDK's own metrics on a private loopback port, served again within Kiln's /metrics.
  const bindAddress = await reserveSdkMetricsAddress();
  try {
    Runtime.install({ logger: temporalLogger(kilnLog), telemetryOptions: { metrics: { prometheus: { bindAddress, countersTotalSuffix: true } } } });
    useSdkMetricsAddress(bindAddress);
  } catch {
    // Already installed by the embedding program (e.g. a test harness): keep its settings.
  }
}
