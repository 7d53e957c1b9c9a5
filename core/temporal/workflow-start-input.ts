import type { Client } from '@temporalio/client';

/**
 * The first argument `workflowId` (its latest run, or `runId`) was started with, read from the first event of its history
 * and decoded through the client's data converter (codecs, then payload converter), as the
 * workflow itself received it. Undefined when the history holds no input.
 */
export async function workflowStartInput<T>(client: Client, workflowId: string, runId?: string): Promise<T | undefined> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  if (!payload) return undefined;
  const { payloadCodecs, payloadConverter } = client.options.loadedDataConverter;
  // Codecs decode in the reverse of the order they encoded.
  let decoded = [payload];
  for (const codec of [...payloadCodecs].reverse()) decoded = await codec.decode(decoded);
  return payloadConverter.fromPayload<T>(decoded[0]!) ?? undefined;
}
