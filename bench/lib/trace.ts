import type { StageExecutor } from '../../core/executors/executor.js';
import type { Backends } from '../../workers/open-backends.js';

/** Epoch milliseconds with sub-millisecond resolution. */
export const now = (): number => performance.timeOrigin + performance.now();

export type SpanKind = 'process' | 'executor' | 'artifacts' | 'metadata';

export interface Span {
  kind: SpanKind;
  name: string;
  start: number;
  end: number;
}

/**
 * Times what the worker does through its backends, without touching Kiln: the stack's worker
 * was handed these very objects, so replacing their methods on the instances records every
 * artifact-store call, metadata write/read and stage process the worker makes.
 */
export class Tracer {
  readonly spans: Span[] = [];
  /** When `executor.run` was called for a process id (`<runId>/<stage>/<attempt>`): just before spawn. */
  readonly spawnedAt = new Map<string, number>();

  instrument(backends: Backends): void {
    this.wrapAll(backends.artifacts, 'artifacts', 'artifacts');
    for (const [name, repo] of Object.entries(backends.metadata)) {
      if (typeof repo === 'object' && repo !== null) this.wrapAll(repo, 'metadata', `metadata.${name}`);
    }
    this.wrapExecutor(backends.platform.executor);
  }

  /** Spans overlapping [from, to]. */
  within(from: number, to: number): Span[] {
    return this.spans.filter((s) => s.end > from && s.start < to);
  }

  private wrapAll(target: object, kind: SpanKind, prefix: string): void {
    const methods = new Set<string>();
    for (let proto = Object.getPrototypeOf(target); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
      for (const key of Object.getOwnPropertyNames(proto)) if (key !== 'constructor') methods.add(key);
    }
    const record = target as Record<string, unknown>;
    for (const key of methods) {
      const original = record[key];
      if (typeof original !== 'function') continue;
      const spans = this.spans;
      record[key] = function (this: unknown, ...args: unknown[]) {
        const start = now();
        const done = () => spans.push({ kind, name: `${prefix}.${key}`, start, end: now() });
        try {
          const result = (original as (...a: unknown[]) => unknown).apply(this, args);
          if (result instanceof Promise) return result.finally(done);
          done();
          return result;
        } catch (error) {
          done();
          throw error;
        }
      };
    }
  }

  /** `process`: the stage process itself (spawn → exit, as Kiln's processMs); `executor`: the whole call (checks, spawn, reaping). */
  private wrapExecutor(executor: StageExecutor): void {
    const run = executor.run.bind(executor);
    executor.run = async (spec, observer) => {
      const start = now();
      this.spawnedAt.set(spec.id, start);
      try {
        const exit = await run(spec, observer);
        const spawned = Math.max(start, exit.startedAt.getTime());
        this.spans.push({ kind: 'process', name: spec.id, start: spawned, end: spawned + exit.durationMs });
        return exit;
      } finally {
        this.spans.push({ kind: 'executor', name: spec.id, start, end: now() });
      }
    };
  }
}
