import type { z } from 'zod';

/**
 * Parses a JSON column read back from the database with its schema. A mismatch means the
 * row was written by incompatible code or edited by hand: a bug, not bad user input.
 */
export function parseJsonColumn<S extends z.ZodType>(schema: S, text: string, where: string): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new Error(`metadata: ${where} is not valid JSON`, { cause });
  }
  const result = schema.safeParse(json);
  if (!result.success) throw new Error(`metadata: ${where} does not match its schema`, { cause: result.error });
  return result.data;
}

/** A nullable BIGINT/INTEGER column as a number: some drivers (mysql2) may hand BIGINTs back as strings. */
export function numberOrNull(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}
