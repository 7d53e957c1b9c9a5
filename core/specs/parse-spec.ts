import type { z } from 'zod';
import { SpecValidationError, type FieldProblem } from '../errors.js';

/**
 * Parses `input` with `schema`, or throws a SpecValidationError whose problems name each field
 * path under `root` (e.g. `params.learning_rate: expected number, got "abc"`).
 */
export function parseSpec<S extends z.ZodType>(schema: S, input: unknown, root = ''): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  throw new SpecValidationError(describeIssues(result.error.issues, root));
}

/** parseSpec of a JSON text (a pod's plan in an environment variable); text that is not JSON fails as a missing value. */
export function parseSpecJson<S extends z.ZodType>(schema: S, json: string | undefined, root: string): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(json ?? '');
  } catch {
    value = undefined;
  }
  return parseSpec(schema, value, root);
}

export function describeIssues(issues: readonly z.core.$ZodIssue[], root = ''): FieldProblem[] {
  return issues.flatMap((issue) => {
    const matched = issue.code === 'invalid_union' ? issue.errors.filter((option) => !isWrongType(option)) : [];
    // A union such as `serve: true | {...}`: the problems of the one option of the value's type name the field.
    if (matched.length === 1)
      return describeIssues(
        matched[0]!.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] })),
        root,
      );
    return [{ path: joinPath(root, issue.path), message: describeIssue(issue) }];
  });
}

function isWrongType(option: readonly z.core.$ZodIssue[]): boolean {
  return option.length === 1 && option[0]!.code === 'invalid_type' && option[0]!.path.length === 0;
}

function joinPath(root: string, path: readonly PropertyKey[]): string {
  const parts = root ? [root] : [];
  for (const key of path) parts.push(typeof key === 'number' ? `[${key}]` : String(key));
  return parts.join('.').replace(/\.\[/g, '[');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const got = 'input' in issue ? describeValue(issue.input) : undefined;
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'required' : `expected ${issue.expected}, got ${got}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${got}`;
    default:
      return got === undefined ? issue.message : `${issue.message} (got ${got})`;
  }
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
