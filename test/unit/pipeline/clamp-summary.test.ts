import { describe, expect, it } from 'vitest';
import { clampSummary, SUMMARY_BYTES } from '../../../core/pipeline/clamp-summary.js';

const jsonBytes = (text: string) => Buffer.byteLength(JSON.stringify(text));

describe('clampSummary', () => {
  it('leaves a summary that fits unchanged (so replays see the same commands)', () => {
    const text = 'breast-cancer: lr=0.01 epochs=10 seed=42 C=0.5';
    expect(clampSummary(text)).toBe(text);
  });

  it.each([
    ['ASCII', 'x'.repeat(1000)],
    ['multi-byte characters', 'é'.repeat(400)],
    ['emoji (surrogate pairs)', '🔥'.repeat(200)],
    ['characters JSON escapes', '"\\\n'.repeat(200)],
  ])('cuts %s to the byte budget, ending with an ellipsis', (_label, text) => {
    const clamped = clampSummary(text);
    expect(jsonBytes(clamped)).toBeLessThanOrEqual(SUMMARY_BYTES);
    expect(clamped.endsWith('…')).toBe(true);
    expect(text.startsWith(clamped.slice(0, -1))).toBe(true);
    expect(clamped).not.toMatch(/[\uD800-\uDBFF]…$/);
  });
});
