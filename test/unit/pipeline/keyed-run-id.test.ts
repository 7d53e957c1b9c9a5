import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { idempotentRunId } from '../../../core/pipeline/idempotent-run-id.js';
import { keyedRunId } from '../../../core/runs/keyed-run-id.js';

/** Temporal holding the workflows `open` (still retained), the registry the runs `recorded`. */
function world(open: string[], recorded: string[]) {
  const temporal = {
    workflow: {
      getHandle: (id: string) => ({
        describe: async () => {
          if (!open.includes(id)) throw new WorkflowNotFoundError('not found', id, undefined);
          return { workflowId: id };
        },
      }),
    },
  } as unknown as Client;
  const runs = { getRun: async (id: string) => (recorded.includes(id) ? ({ id } as never) : undefined) };
  return { temporal, runs };
}

const first = idempotentRunId('iris', 'order-42');
const second = idempotentRunId('iris', 'order-42', 2);
const third = idempotentRunId('iris', 'order-42', 3);

describe('the run id an idempotency key names', () => {
  it('is the first generation, unchanged, for a key never used', async () => {
    const { temporal, runs } = world([], []);
    expect(await keyedRunId(temporal, runs, 'iris', 'order-42')).toBe(first);
    expect(first).toMatch(/^iris-key-[0-9a-f]{16}$/);
  });

  it('is the run Temporal still has, so a retried start finds it', async () => {
    const { temporal, runs } = world([first], [first]);
    expect(await keyedRunId(temporal, runs, 'iris', 'order-42')).toBe(first);
  });

  it('is a new generation once retention removed the run from Temporal but its record stays', async () => {
    const { temporal, runs } = world([], [first]);
    expect(await keyedRunId(temporal, runs, 'iris', 'order-42')).toBe(second);
    expect(second).toBe(`${first}-g2`);
  });

  it('skips every expired generation and finds the one Temporal still has', async () => {
    expect(await keyedRunId(world([], [first, second]).temporal, world([], [first, second]).runs, 'iris', 'order-42')).toBe(third);
    const { temporal, runs } = world([second], [first, second]);
    expect(await keyedRunId(temporal, runs, 'iris', 'order-42')).toBe(second);
  });

  it('starts under the first generation when a started run never got a record (it wrote nothing to keep)', async () => {
    const { temporal, runs } = world([], []);
    expect(await keyedRunId(temporal, runs, 'iris', 'order-42')).toBe(first);
  });
});
