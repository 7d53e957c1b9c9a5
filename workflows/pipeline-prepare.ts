import { isCancellation } from '@temporalio/workflow';
import type { PreparedRun, PrepareRunInput } from '../activities/prepare.js';
import { bookkeeping, records } from './pipeline-proxies.js';

/**
 * Freezes a run's inputs. With `quickly` (runs started since QUICK_PREPARE_PATCH), a run whose
 * dataset is small first tries it as a local activity, inside the workflow task that starts the
 * run: a fully cached run then ends in that one task, with no task-queue round trip. Anything
 * else (a large or remote dataset, a failure, a slow source snapshot) goes to the durable
 * prepareRun activity, which heartbeats, retries and classifies failures as before.
 */
export async function prepareRun(input: PrepareRunInput, summary: string, quickly: boolean): Promise<PreparedRun> {
  if (quickly) {
    try {
      // Within the workflow task's 10 s: a slower snapshot is left to the durable activity.
      const quick = await records.prepareRunQuickly.executeWithOptions({ startToCloseTimeout: '5 seconds', retry: { maximumAttempts: 1 }, summary }, [input]);
      if (quick.prepared) return quick.prepared;
    } catch (error) {
      if (isCancellation(error)) throw error;
      // prepareRun does the same work again (idempotent) and reports its failure properly.
    }
  }
  return bookkeeping.prepareRun.executeWithOptions({ startToCloseTimeout: '10 minutes', summary }, [input]);
}
