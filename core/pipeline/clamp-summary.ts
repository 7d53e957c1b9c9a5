/**
 * Temporal refuses a start or an activity whose summary payload exceeds 400 bytes (the
 * server's `limit.userMetadataSummarySize`); the payload is the JSON-encoded string plus its
 * encoding metadata, so the text itself gets 300 bytes.
 */
export const SUMMARY_BYTES = 300;

const encoder = new TextEncoder();

/**
 * `text` unchanged when its JSON form fits SUMMARY_BYTES, else cut (on a code-point boundary)
 * and ended with `…`. Pure, so workflows may use it; a summary that fits is never altered, so
 * replays of recorded histories see the same commands.
 */
export function clampSummary(text: string): string {
  if (encoder.encode(JSON.stringify(text)).length <= SUMMARY_BYTES) return text;
  let out = '';
  for (const ch of text) {
    if (encoder.encode(JSON.stringify(`${out}${ch}…`)).length > SUMMARY_BYTES) break;
    out += ch;
  }
  return `${out}…`;
}
