import { errorFields, kilnLog } from '../../core/logging/kiln-log.js';
import type { AuditEntry } from './route-access.js';

interface Count {
  entry: AuditEntry;
  calls: number;
  first: number;
  last: number;
}

/**
 * Successful calls of a counted route (predictions), audited in aggregate: one entry per
 * caller, route, resource and status for each window (`windowMs`, default a minute), written
 * off the request path. The entry's request id is the window's first call's; its message says
 * how many calls and when.
 */
export class AuditTally {
  private counts = new Map<string, Count>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();
  private readonly now: () => number;

  constructor(
    private readonly write: (entry: AuditEntry) => Promise<void>,
    options: { windowMs?: number; now?: () => number } = {},
  ) {
    this.now = options.now ?? Date.now;
    this.timer = setInterval(() => void this.flush(), options.windowMs ?? 60_000);
    this.timer.unref();
  }

  count(entry: AuditEntry): void {
    const key = [entry.principal, entry.method, entry.route, entry.resource ?? '', entry.status].join('\u0000');
    const now = this.now();
    const counted = this.counts.get(key);
    if (counted) {
      counted.calls += 1;
      counted.last = now;
    } else this.counts.set(key, { entry, calls: 1, first: now, last: now });
  }

  /** Writes the window's entries; a failed write is logged (the calls are then not in the log). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const window = this.counts;
      this.counts = new Map();
      for (const { entry, calls, first, last } of window.values()) {
        const message = `${calls} call${calls === 1 ? '' : 's'} from ${new Date(first).toISOString()} to ${new Date(last).toISOString()} (counted)`;
        await this.write({ ...entry, message }).catch((error: unknown) => {
          kilnLog().error({ ...errorFields(error), route: entry.route, principal: entry.principal, calls }, 'kiln: could not write an audit count');
        });
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
