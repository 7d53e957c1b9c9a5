import { msToNumber } from '@temporalio/common/lib/time.js';
import { z } from 'zod';

/**
 * A duration written the way Temporal reads one (`30s`, `1m`, `2h`, `7d`, `1.5h`), so what a
 * spec says is exactly what the server gets. `min` bounds it from below.
 */
export function DurationString(options: { min?: number; max?: number } = {}) {
  return z.string().superRefine((text, ctx) => {
    let ms: number;
    try {
      ms = msToNumber(text);
    } catch {
      ctx.addIssue({ code: 'custom', input: text, message: 'not a duration (use e.g. "30s", "5m", "1h", "1d")' });
      return;
    }
    if (!Number.isFinite(ms) || ms < (options.min ?? 0)) {
      ctx.addIssue({ code: 'custom', input: text, message: `must be at least ${describeMs(options.min ?? 0)}` });
    } else if (options.max !== undefined && ms > options.max) {
      ctx.addIssue({ code: 'custom', input: text, message: `must be at most ${describeMs(options.max)}` });
    }
  });
}

/** Milliseconds of a duration string that a DurationString schema accepted. */
export function durationMs(text: string): number {
  return msToNumber(text);
}

export function describeMs(ms: number): string {
  if (ms % 86_400_000 === 0 && ms > 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
