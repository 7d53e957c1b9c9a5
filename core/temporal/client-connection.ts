import { type Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';

/**
 * `Connection.connect`, minus the SDK's call-context storage left switched on. The SDK checks a
 * new connection inside an AsyncLocalStorage scope (for that call's deadline); on Node 20 an
 * AsyncLocalStorage once run keeps async hooks on every promise and callback of the process for
 * its whole life, about 6% of the API's CPU per prediction. Kiln opens no deadline, metadata or
 * abort-signal scope of its own, and one opened later switches the storage back on.
 */
export async function connectTemporalClient(options: ConnectionOptions): Promise<Connection> {
  const connection = await Connection.connect(options);
  connection.callContextStorage.disable();
  return connection;
}

/**
 * Asks for a pipeline run's first workflow task in the start's own reply (eager start) when
 * `client` shares a worker's native connection, as in the embedded stack: the server hands that
 * task to the worker in this process, if it polls the queue and has a free slot, instead of
 * through matching (one dispatch fewer a run; the run is otherwise unchanged). A client on a
 * connection of its own cannot ask: the SDK refuses the option there.
 */
export function eagerStartOption(client: Client): { requestEagerStart?: true } {
  return client.connection instanceof NativeConnection ? { requestEagerStart: true } : {};
}
