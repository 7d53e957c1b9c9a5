import { PassThrough, type Readable } from 'node:stream';

/**
 * A log stored as it is written, whose store write starts with its first line: a log nothing
 * was written to is never stored. `close` ends it and answers what was stored, if anything;
 * a failed store write answers undefined (the log is a diagnostic, never the outcome).
 */
export class LazyStoredLog<Stored> {
  private stream: PassThrough | undefined;
  private stored: Promise<Stored | undefined> | undefined;

  constructor(private readonly store: (body: Readable) => Promise<Stored>) {}

  write(text: string): void {
    if (!this.stream) {
      this.stream = new PassThrough();
      this.stored = this.store(this.stream).catch(() => undefined);
    }
    this.stream.write(text);
  }

  async close(): Promise<Stored | undefined> {
    this.stream?.end();
    return this.stored;
  }
}
