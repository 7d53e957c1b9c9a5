import { Context } from '@temporalio/activity';

/**
 * Runs `fn` while heartbeating every `everyMs`. With a heartbeatTimeout on the call, an attempt
 * whose worker died is retried after that timeout rather than its whole startToCloseTimeout,
 * even when the dead worker took the task without recording it (an eagerly dispatched activity).
 */
export async function heartbeating<T>(fn: () => Promise<T>, everyMs = 2_000): Promise<T> {
  const ctx = Context.current();
  const beat = setInterval(() => ctx.heartbeat(), everyMs);
  try {
    return await fn();
  } finally {
    clearInterval(beat);
  }
}
