import type { AsyncLocalStorage } from 'node:async_hooks';
import { Client, Connection, isGrpcDeadlineError } from '@temporalio/client';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { NativeConnection } from '@temporalio/worker';
import { connectTemporalClient, eagerStartOption } from '../../../core/temporal/client-connection.js';

const address = inject('temporalAddress');
const opened: Connection[] = [];
afterEach(async () => {
  for (const connection of opened.splice(0)) await connection.close();
});

/** Node's async-hooks AsyncLocalStorage says whether it is on; one built on async context frames (Node 24) has nothing to switch off. */
const switchedOn = (storage: AsyncLocalStorage<unknown>) => (storage as unknown as { enabled?: boolean }).enabled;
const hooksBased = switchedOn(new (await import('node:async_hooks')).AsyncLocalStorage()) !== undefined;

describe('connectTemporalClient (real dev server)', () => {
  it('leaves the call-context storage off, where Connection.connect leaves it on', async () => {
    const plain = await Connection.connect({ address });
    opened.push(plain);
    const connection = await connectTemporalClient({ address });
    opened.push(connection);
    if (hooksBased) {
      expect(switchedOn(plain.callContextStorage)).toBe(true);
      expect(switchedOn(connection.callContextStorage)).toBe(false);
    } else {
      // Async context frames (Node 24) keep no hooks to switch off: the storage has no such flag.
      expect(switchedOn(connection.callContextStorage)).toBeUndefined();
    }
  });

  it('serves calls, and a deadline scope opened later still applies', async () => {
    const connection = await connectTemporalClient({ address });
    opened.push(connection);
    const client = new Client({ connection });
    const workflowId = `client-connection-${Date.now()}`;
    // No worker polls this queue: the workflow stays open, described and then terminated.
    const handle = await client.workflow.start('neverPolled', { taskQueue: 'nobody', workflowId });
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.terminate('test over');
    const late = connection.withDeadline(Date.now() - 1, () => connection.workflowService.getSystemInfo({}));
    await expect(late).rejects.toSatisfy(isGrpcDeadlineError);
  });

  it('asks for eager starts only on a native connection (the SDK refuses the option on a connection of its own)', async () => {
    const own = await connectTemporalClient({ address });
    opened.push(own);
    const ownClient = new Client({ connection: own });
    expect(eagerStartOption(ownClient)).toEqual({});
    const native = await NativeConnection.connect({ address });
    try {
      expect(eagerStartOption(new Client({ connection: native }))).toEqual({ requestEagerStart: true });
    } finally {
      await native.close();
    }
    // What the option would do on the connection of its own: refused before anything is sent.
    const refused = ownClient.workflow.start('neverPolled', { taskQueue: 'nobody', workflowId: `refused-${Date.now()}`, requestEagerStart: true });
    await expect(refused).rejects.toThrow(/Eager workflow start requires a NativeConnection/);
  });
});
