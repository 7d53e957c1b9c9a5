/**
 * Redraws `render(fetch())` until `done`: in place on a terminal, only the lines that changed
 * otherwise (logs, pipes). Returns the last value fetched.
 */
export async function liveView<T>(
  fetch: () => Promise<T>,
  render: (value: T) => string[],
  done: (value: T) => boolean,
  out: NodeJS.WriteStream,
  intervalMs: number,
): Promise<T> {
  let previous: string[] = [];
  for (;;) {
    const value = await fetch();
    const lines = render(value);
    if (out.isTTY) {
      if (previous.length) out.write(`\x1b[${previous.length}A`);
      out.write(lines.map((l) => `\x1b[2K${l}\n`).join(''));
    } else {
      for (const line of lines) if (!previous.includes(line)) out.write(`${line}\n`);
    }
    previous = lines;
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
