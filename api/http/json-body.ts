import { SpecValidationError } from '../../core/errors.js';

/** Largest request body accepted (1 MiB); larger ones are answered 413. */
export const MAX_BODY_BYTES = 1 << 20;
/** Deepest nesting of objects and arrays accepted in a body; deeper ones are answered 400. */
export const MAX_JSON_DEPTH = 64;

/** Parses a JSON request body: an empty body is `{}`; invalid or too-deep JSON, or `null`, is a SpecValidationError naming `body`. */
export function parseJsonBody(text: string): unknown {
  if (!text.trim()) return {};
  // Checked on the text, before parsing, so a hostile nesting never reaches recursive code.
  if (nestingDepth(text) > MAX_JSON_DEPTH) throw new SpecValidationError([{ path: 'body', message: `nested deeper than ${MAX_JSON_DEPTH} levels` }]);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SpecValidationError([{ path: 'body', message: 'not valid JSON' }]);
  }
  // Fastify hands a missing body as null too: a literal `null` body must not read as "no body".
  if (value === null) throw new SpecValidationError([{ path: 'body', message: 'expected a JSON object, got null' }]);
  return value;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const [OPEN_BRACE, OPEN_BRACKET, CLOSE_BRACE, CLOSE_BRACKET] = [0x7b, 0x5b, 0x7d, 0x5d];

/** Char codes, not one-character strings: this scans every body the API takes, predictions included. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) deepest = Math.max(deepest, ++depth);
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return deepest;
}
