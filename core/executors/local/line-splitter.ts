const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * Turns a byte stream into lines: splits on `\n`, drops a `\r` before it (CRLF), and
 * delivers an unterminated last line on `end()`. Works on bytes so a UTF-8 character split
 * across chunks decodes intact. A line longer than `maxLineBytes` is delivered in pieces
 * (cut on a character boundary) rather than truncated: logs keep every byte and memory stays
 * bounded even for output without newlines, such as `\r`-only progress bars.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly emit: (line: string) => void,
    private readonly maxLineBytes = 64 * 1024,
  ) {
    // A UTF-8 character is up to 4 bytes; a smaller cap could not hold one.
    if (!Number.isInteger(maxLineBytes) || maxLineBytes < 4) throw new RangeError(`maxLineBytes must be an integer >= 4, got ${maxLineBytes}`);
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (let newline = chunk.indexOf(NEWLINE); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
      this.append(chunk.subarray(start, newline));
      this.flush(true);
      start = newline + 1;
    }
    this.append(chunk.subarray(start));
  }

  /** Delivers the unterminated last line, if any. */
  end(): void {
    if (this.pendingBytes > 0) this.flush(true);
  }

  private append(part: Buffer): void {
    while (part.length > 0) {
      const room = this.maxLineBytes - this.pendingBytes;
      if (part.length <= room) {
        this.pending.push(part);
        this.pendingBytes += part.length;
        return;
      }
      const cut = characterStart(part, room);
      if (cut > 0) this.pending.push(part.subarray(0, cut));
      this.pendingBytes += cut;
      this.flush(false);
      part = part.subarray(cut);
    }
  }

  private flush(stripCarriageReturn: boolean): void {
    let line = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    if (stripCarriageReturn && line[line.length - 1] === CARRIAGE_RETURN) line = line.subarray(0, -1);
    this.emit(line.toString('utf8'));
  }
}

/**
 * Moves a cut that lands inside a UTF-8 character back to that character's lead byte.
 * Bytes that are not valid UTF-8 are cut where they are.
 */
function characterStart(bytes: Buffer, cut: number): number {
  const isContinuation = (i: number) => ((bytes[i] ?? 0) & 0xc0) === 0x80;
  if (!isContinuation(cut)) return cut;
  for (let start = cut - 1; start >= Math.max(0, cut - 3); start--) {
    if (!isContinuation(start)) return ((bytes[start] ?? 0) & 0xc0) === 0xc0 ? start : cut;
  }
  return cut;
}
