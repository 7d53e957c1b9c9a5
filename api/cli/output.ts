/** How CLI commands print: JSON for scripts (`--json`), readable lines for people. */

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLines(lines: string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** `--json` prints the value as it is; otherwise `render` makes it readable. */
export function printView<T>(value: T, json: boolean | undefined, render: (value: T) => string[]): void {
  if (json) printJson(value);
  else printLines(render(value));
}

/** Rows as aligned columns, two spaces apart; the first row is the header. */
export function textTable(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}
