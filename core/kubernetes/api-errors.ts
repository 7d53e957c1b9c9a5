import { ApiException } from '@kubernetes/client-node';

/**
 * The call's result, or undefined when the API server answered with one of `statuses`:
 * 404 (gone: reading or deleting something already deleted) or 409 (exists or conflict:
 * creating what a retried attempt already created, replacing a stale revision).
 */
export async function ignoreStatus<T>(statuses: number | readonly number[], call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ApiException && ([] as readonly number[]).concat(statuses).includes(error.code)) return undefined;
    throw error;
  }
}
