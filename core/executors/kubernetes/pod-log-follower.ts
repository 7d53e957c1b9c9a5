import { Writable } from 'node:stream';
import type { KubeClients } from '../../kubernetes/kube-clients.js';
import { LineSplitter } from '../local/line-splitter.js';

/**
 * Follows one container's log through the API server, surviving streams that end early (a
 * kubelet restart, a log not there yet): it reopens from the last timestamp it saw and drops
 * lines it already delivered, so each line reaches `onLine` once and in order.
 */
export class PodLogFollower {
  /** Timestamp of the last delivered line, and how many lines carried exactly it. */
  private last: { stamp: string; count: number } | undefined;
  /** For the stream being read: lines at `last.stamp` still to skip (already delivered by an earlier stream). */
  private replaySkip = 0;
  /** Ends the stream being read: aborts its request, even one still waiting for response headers. */
  private abandonCurrent: (() => void) | undefined;
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
    await Promise.race([this.loop, sleep(Math.min(100, timeoutMs))]);
    this.abandonCurrent?.();
    await Promise.race([this.loop, sleep(timeoutMs)]);
  }

  abort(): void {
    this.stopping = true;
    this.abandonCurrent?.();
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
      // A follow request on an empty log may not even send headers until the first line, so the
      // library's AbortController arrives late or never: a stream can be abandoned before it.
      let abandoned = false;
      let controller: AbortController | undefined;
      this.abandonCurrent = () => {
        abandoned = true;
        controller?.abort();
        resolve();
      };
      const splitter = new LineSplitter((line) => abandoned || this.deliver(line));
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
      this.replaySkip = this.last?.count ?? 0;
      const sinceTime = this.last ? `${this.last.stamp.slice(0, 19)}Z` : undefined;
      this.clients.log.log(this.namespace, this.podName, this.container, sink, { follow, timestamps: true, ...(sinceTime ? { sinceTime } : {}) }).then((c) => {
        controller = c;
        if (abandoned) c.abort();
      }, reject);
    });
  }

  private deliver(raw: string): void {
    const space = raw.indexOf(' ');
    const stamp = space > 0 ? normalizeStamp(raw.slice(0, space)) : undefined;
    if (!stamp) {
      this.onLine(raw);
      return;
    }
    // A reopened stream starts at the last line's whole second: skip what was delivered before.
    if (this.last && stamp < this.last.stamp) return;
    if (this.last && stamp === this.last.stamp) {
      if (this.replaySkip > 0) {
        this.replaySkip -= 1;
        return;
      }
      this.last.count += 1;
    } else {
      this.last = { stamp, count: 1 };
      this.replaySkip = 0;
    }
    this.onLine(raw.slice(space + 1));
  }
}

/** RFC3339 with nanoseconds padded to 9 digits, so timestamps compare as strings. */
function normalizeStamp(text: string): string | undefined {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(text);
  return match ? `${match[1]}.${(match[2] ?? '').padEnd(9, '0')}Z` : undefined;
}
