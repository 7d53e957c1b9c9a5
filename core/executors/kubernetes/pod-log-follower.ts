import { Writable } from 'node:stream';
import type { KubeClients } from '../../kubernetes/kube-clients.js';
import { LineSplitter } from '../local/line-splitter.js';

/**
 * Follows one container's log through the API server, surviving streams that end early (a
 * kubelet restart, a log not there yet): it reopens from the last timestamp it saw and drops
 * lines it already delivered, so each line reaches `onLine` once and in order.
 */
export class PodLogFollower {
  /** RFC3339Nano timestamp of the last delivered line, as [seconds-part, nanoseconds]. */
  private last: { second: string; nanos: number } | undefined;
  private current: AbortController | undefined;
  private stopping = false;
  private readonly loop: Promise<void>;

  constructor(
    private readonly clients: KubeClients,
    private readonly namespace: string,
    private readonly podName: string,
    private readonly container: string,
    private readonly onLine: (line: string) => void,
    private readonly reopenMs = 500,
  ) {
    this.loop = this.run();
  }

  /** The container ended: read what is left (bounded by `timeoutMs`), then stop. */
  async finish(timeoutMs = 2_000): Promise<void> {
    this.stopping = true;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // A healthy follow stream ends by itself once the container has; one that does not (a
    // stalled kubelet) is cut, and a last plain read from the last timestamp fetches the tail.
    await Promise.race([this.loop, sleep(Math.min(500, timeoutMs))]);
    this.current?.abort();
    await Promise.race([this.loop, sleep(timeoutMs)]);
  }

  abort(): void {
    this.stopping = true;
    this.current?.abort();
  }

  private async run(): Promise<void> {
    // One more pass after `finish`: the tail written just before the container ended.
    for (let finalPass = false; ; ) {
      finalPass = this.stopping;
      await this.openOnce(!finalPass).catch(() => undefined);
      if (finalPass) return;
      if (!this.stopping) await new Promise((r) => setTimeout(r, this.reopenMs));
    }
  }

  private openOnce(follow: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const splitter = new LineSplitter((line) => this.deliver(line));
      const sink = new Writable({
        write: (chunk: Buffer, _encoding, callback) => {
          splitter.push(chunk);
          callback();
        },
        final: (callback) => {
          splitter.end();
          callback();
          resolve();
        },
      });
      sink.on('error', reject);
      sink.on('close', resolve);
      const sinceTime = this.last ? `${this.last.second}Z` : undefined;
      this.clients.log.log(this.namespace, this.podName, this.container, sink, { follow, timestamps: true, ...(sinceTime ? { sinceTime } : {}) }).then(
        (controller) => {
          this.current = controller;
          controller.signal.addEventListener('abort', () => resolve(), { once: true });
        },
        reject,
      );
    });
  }

  private deliver(raw: string): void {
    const space = raw.indexOf(' ');
    const stamp = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(space > 0 ? raw.slice(0, space) : '');
    if (!stamp) return this.onLine(raw);
    const at = { second: stamp[1]!, nanos: Number((stamp[2] ?? '').padEnd(9, '0')) };
    // sinceTime has whole-second precision: lines of that second come again and are skipped here.
    if (this.last && (at.second < this.last.second || (at.second === this.last.second && at.nanos <= this.last.nanos))) return;
    this.last = at;
    this.onLine(raw.slice(space + 1));
  }
}
