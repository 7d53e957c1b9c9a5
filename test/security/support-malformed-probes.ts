import { join } from 'node:path';
import { z } from 'zod';
import type { Route } from '../../api/http/routes.js';

/** One malformed request and what it may answer. */
export interface Probe {
  /** The route it aims at, as declared (`POST /v1/runs`). */
  route: string;
  /** What is wrong with it. */
  label: string;
  method: Route['method'];
  /** Exactly as sent: already percent-encoded. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Statuses it may answer; each also needs the error shape. */
  allowed: readonly number[];
  /** A field a 400, 413 or 415 must name (a path segment, or in the message for a whole-body issue). */
  field?: string;
}

const JSON_TYPE = { 'content-type': 'application/json' };
const BAD_REQUEST = [400] as const;
/** A path parameter naming nothing: refused as invalid or too long for the router, or simply not found. */
const LOOKUP = [400, 404, 409, 414] as const;

/** Path parameter values nobody registers: huge, NUL, traversal, unicode, invalid UTF-8, CRLF. */
const ODD_PARAMS: [string, string][] = [
  ['450 characters', 'a'.repeat(450)],
  ['600 characters (over the router limit)', 'b'.repeat(600)],
  ['a NUL byte', 'x%00y'],
  ['a bare NUL', '%00'],
  ['an encoded traversal', '..%2F..%2F..%2Fetc%2Fpasswd'],
  ['unicode', '%E2%98%83%F0%9F%92%A5%E2%80%AE'],
  ['invalid UTF-8', '%FF%FE'],
  ['an encoded CRLF', 'x%0D%0Aset-cookie:%20a%3Db'],
];

/** Bad values for the routes that take a query, each with the parameter it must name. */
const BAD_QUERIES: Record<string, [string, string][]> = {
  'GET /v1/runs': [
    ['limit=abc', 'limit'],
    ['limit=-1', 'limit'],
    ['limit=0', 'limit'],
    ['limit=99999', 'limit'],
    ['limit=1.5', 'limit'],
    ['limit=1e3', 'limit'],
    ['limit=1&limit=2', 'limit'],
    ['status=nope', 'status'],
    ['status=', 'status'],
    ['trigger=nope', 'trigger'],
    [`project=${'p'.repeat(100)}`, 'project'],
    ['project=', 'project'],
    [`schedule=${'s'.repeat(100)}`, 'schedule'],
  ],
  'GET /v1/experiments': [
    ['limit=abc', 'limit'],
    ['limit=0', 'limit'],
    ['limit=99999', 'limit'],
    ['project=', 'project'],
    ["project=a'%20OR%20'1'='1", 'project'],
    ['project=a&project=b', 'project'],
    ['status=running', 'status'],
  ],
  'GET /v1/runs/{id}/logs': [
    ['stage=', 'stage'],
    ['stage=serve', 'stage'],
    ['stage=train&stage=evaluate', 'stage'],
    ['stage=train&attempt=0', 'attempt'],
    ['stage=train&attempt=abc', 'attempt'],
    ['stage=train&attempt=1001', 'attempt'],
    ['stage=train&attempt=1&attempt=2', 'attempt'],
  ],
  'GET /v1/models/{name}/monitoring': [
    ['limit=abc', 'limit'],
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=1.5', 'limit'],
    ['limit=1&limit=2', 'limit'],
  ],
  'GET /v1/datasets/{name}/profile': [
    ['version=abc', 'version'],
    ['version=', 'version'],
    [`version=${'a'.repeat(17)}`, 'version'],
    ['version=0123456789ABCDEF', 'version'],
    ['version=0123456789abcdef&version=0123456789abcdef', 'version'],
  ],
  'GET /v1/approvals': [
    ['model=', 'model'],
    [`model=${'m'.repeat(100)}`, 'model'],
    ['model=a&model=b', 'model'],
  ],
  'GET /v1/workspaces/{name}/metrics': [
    ['name=', 'name'],
    [`name=${'n'.repeat(201)}`, 'name'],
    ['name=a&name=b', 'name'],
  ],
  'GET /v1/bindings': [
    ['principal=nope', 'principal'],
    ['principal=robot:x', 'principal'],
    [`principal=user:${'u'.repeat(200)}`, 'principal'],
  ],
  'GET /v1/tokens': [
    ['all=yes', 'all'],
    ['all=1', 'all'],
    ['all=true&all=false', 'all'],
  ],
  'GET /v1/audit': [
    ['outcome=nope', 'outcome'],
    ['since=yesterday', 'since'],
    ['before=abc', 'before'],
    ['limit=0', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=99999', 'limit'],
    [`principal=${'u'.repeat(200)}`, 'principal'],
    [`resource=${'r'.repeat(300)}`, 'resource'],
  ],
};

/** A valid body per route: each body probe breaks exactly one thing in it (names are new, so an accepted probe shows up as created). */
function validBodies(fixture: string, tag: string): Record<string, Record<string, unknown> | Record<string, unknown>[]> {
  const backfill = { start: '2026-01-01T00:00:00Z', end: '2026-01-02T00:00:00Z' };
  return {
    'POST /v1/environments': { name: 'mal-env', python_version: '3.11' },
    'POST /v1/datasets': { name: 'mal-data', path: join(fixture, 'data', 'tiny.csv'), target_column: 'label' },
    'POST /v1/projects': {
      name: 'mal-project',
      source_dir: join(fixture, 'src'),
      dataset: 'tiny',
      entrypoints: { train: 'stages.py:train', evaluate: 'stages.py:evaluate' },
    },
    'POST /v1/runs': { project: 'sleepy' },
    'POST /v1/models/{name}/aliases': { alias: 'staging', version: 1 },
    'POST /v1/models/{name}/approve': { run_id: 'no-such-run' },
    'POST /v1/models/{name}/reject': { run_id: 'no-such-run' },
    'POST /v1/schedules': { name: `mal-sched-${tag}`, project: 'sleepy', every: '24h', paused: true },
    'POST /v1/schedules/{name}/pause': { note: 'why' },
    'POST /v1/schedules/{name}/unpause': { note: 'why' },
    'POST /v1/schedules/{name}/backfill': backfill,
    'POST /v1/models/{name}/rollback': { to_version: 1 },
    'POST /v1/models/{name}/rollouts': { version: 1, rollout: { strategy: 'canary', percent: 20 } },
    'POST /v1/workspaces': { name: 'mal-workspace', project: 'sleepy', idle_timeout: '5m' },
    'POST /v1/models/{name}/predict': { instances: [[1, 2]] },
    // An array body: its probes break the first item.
    'POST /v1/models/{name}/feedback': [{ prediction_id: '1-18c2a3b4c5d-00112233aabbccdd', label: 1 }],
    'POST /v1/experiments': {
      name: 'mal-exp',
      project: 'sleepy',
      objective: { metric: 'accuracy', goal: 'maximize' },
      parameters: [{ name: 'learning_rate', type: 'double', min: 0.001, max: 0.1 }],
      algorithm: { name: 'random' },
      parallel_trial_count: 1,
      max_trial_count: 1,
    },
    'POST /v1/experiments/{id}/extend': { max_trial_count: 5 },
    'POST /v1/users': { name: 'mal-user' },
    'POST /v1/service-accounts': { name: 'mal-robot' },
    'POST /v1/roles': { name: 'mal-role', permissions: ['runs:read'] },
    'POST /v1/bindings': { principal: 'user:mallory', role: 'viewer' },
    'POST /v1/tokens': { name: 'mal-token' },
  };
}

/** Wrong values for a field: the first primitive and the first structure its schema refuses. */
const PRIMITIVES: unknown[] = [12345, 'not-a-valid-value-💥', true];
const STRUCTURES: unknown[] = [{ nested: 'object' }, [1, 2]];
/** Fields the server sets itself whatever the body says (`by`: the authenticated caller), so a bad value there is not an error. */
const SERVER_SET = new Set(['by']);

/** Every malformed variant of one route, with path parameters pointing at `targets` (real resources where there are some). */
function probesFor(route: Route, targets: Record<string, string>, bodies: ReturnType<typeof validBodies>): Probe[] {
  const key = `${route.method} ${route.path}`;
  const fill = (overrides: Record<string, string> = {}) =>
    route.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
      const value = overrides[name] ?? targets[`${segmentBefore(route.path, name)}/${name}`];
      if (value === undefined) throw new Error(`${key}: no target for {${name}}; add one to the targets table`);
      return value;
    });
  const schema = route.body ?? route.serviceBody;
  const base = schema ? bodies[key] : undefined;
  if (schema && !base) throw new Error(`${key}: takes a body but has no valid base body; add one to validBodies()`);
  if (schema && base && !schema.safeParse(base).success)
    throw new Error(`${key}: the base body is not valid, so its probes would not each break one thing: ${JSON.stringify(base)}`);
  const baseText = base ? JSON.stringify(base) : undefined;
  const probes: Probe[] = [];
  const add = (label: string, probe: Partial<Probe> & { allowed: readonly number[] }) =>
    probes.push({
      route: key,
      label,
      method: route.method,
      path: fill(),
      headers: baseText ? { ...JSON_TYPE } : {},
      ...(baseText ? { body: baseText } : {}),
      ...probe,
    });

  add('an unknown query parameter', { path: `${fill()}?unexpected=1`, allowed: BAD_REQUEST, field: 'unexpected' });
  if (route.method === 'GET' && !route.path.includes('{')) {
    add('a __proto__ query parameter', { path: `${fill()}?__proto__=x`, allowed: BAD_REQUEST, field: '__proto__' });
    add('a constructor query parameter', { path: `${fill()}?constructor=x`, allowed: BAD_REQUEST, field: 'constructor' });
  }
  for (const [query, field] of BAD_QUERIES[key] ?? []) add(`?${query}`, { path: `${fill()}?${query}`, allowed: BAD_REQUEST, field });
  if (route.query && !BAD_QUERIES[key]) throw new Error(`${key}: takes a query but has no bad values; add them to BAD_QUERIES`);

  for (const name of [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!)) {
    for (const [label, value] of ODD_PARAMS) add(`{${name}}: ${label}`, { path: fill({ [name]: value }), allowed: LOOKUP, field: name });
  }

  if (schema && base) {
    for (const text of ['[]', '[{"name":"x"}]', '"text"', '42', 'null', 'true'])
      add(`a body that is not an object: ${text}`, { headers: { ...JSON_TYPE }, body: text, allowed: BAD_REQUEST });
    for (const text of ['{"name":', "{'name':'x'}", '{"a":1}}', 'NaN', `${'['.repeat(70)}${']'.repeat(70)}`]) {
      add(`invalid JSON: ${text.slice(0, 20)}`, { headers: { ...JSON_TYPE }, body: text, allowed: BAD_REQUEST, field: 'body' });
    }
    const mediaType = { allowed: [415], field: 'headers.content-type' };
    add('a text/plain body', { ...mediaType, headers: { 'content-type': 'text/plain' } });
    add('a form body', { ...mediaType, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=x' });
    add('a multipart body', { ...mediaType, headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: '--x\r\n\r\nname\r\n--x--' });
    add('application/jsonx', { ...mediaType, headers: { 'content-type': 'application/jsonx' } });
    add('a body without a content-type', { ...mediaType, headers: {} });
    add('a body over 1 MiB', { body: JSON.stringify({ base, pad: 'x'.repeat(1 << 20) }), allowed: [413], field: 'body' });
    if (!schema.safeParse({}).success) add('no fields at all: {}', { body: '{}', allowed: BAD_REQUEST });
    // An array body's probes break its first item; an object body's, the body itself.
    const item = Array.isArray(base) ? base[0]! : base;
    const withItem = (changed: Record<string, unknown>) => JSON.stringify(Array.isArray(base) ? [changed, ...base.slice(1)] : changed);
    const itemSchema = schema instanceof z.ZodArray ? (schema.element as z.ZodType) : schema;
    add('an unknown field', { body: withItem({ ...item, unexpected_field: 1 }), allowed: BAD_REQUEST, field: 'unexpected_field' });
    const shape = itemSchema instanceof z.ZodObject ? (itemSchema.shape as Record<string, z.ZodType>) : {};
    for (const [field, fieldSchema] of Object.entries(shape).filter(([f]) => !SERVER_SET.has(f))) {
      const wrong = [PRIMITIVES.find((v) => !fieldSchema.safeParse(v).success), STRUCTURES.find((v) => !fieldSchema.safeParse(v).success)];
      for (const value of wrong.filter((v) => v !== undefined)) {
        add(`${field}: ${JSON.stringify(value)}`, { body: withItem({ ...item, [field]: value }), allowed: BAD_REQUEST, field });
      }
      const huge = 'a'.repeat(100_000);
      if (fieldSchema.safeParse('a').success && !fieldSchema.safeParse(huge).success) {
        add(`${field}: 100 000 characters`, { body: withItem({ ...item, [field]: huge }), allowed: BAD_REQUEST, field });
      }
    }
  } else if (route.method !== 'GET') {
    // A body where none is taken, at a target that does not exist (what it does to a real one is the route's own business).
    const nowhere = Object.fromEntries([...route.path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1]!, `no-such-${m[1]}`]));
    add('a JSON body on a route that takes none', { path: fill(nowhere), headers: { ...JSON_TYPE }, body: '{"unexpected":true}', allowed: LOOKUP });
  }

  if (key === 'POST /v1/runs') {
    const keyProbe = (label: string, value: string) =>
      add(`Idempotency-Key: ${label}`, { headers: { ...JSON_TYPE, 'idempotency-key': value }, allowed: BAD_REQUEST, field: 'Idempotency-Key' });
    keyProbe('201 characters', 'k'.repeat(201));
    keyProbe('a tab inside', 'a\tb');
    keyProbe('empty', '');
    keyProbe('Latin-1', 'caf\u00e9');
    keyProbe('UTF-8 bytes', Buffer.from('☃-key').toString('latin1'));
    keyProbe('high Latin-1 bytes', '\u00ff\u00fe');
  }

  // Token endpoints are rate-limited per caller: stay under the limit (setup and snapshots call them too).
  return route.rateLimit ? probes.slice(0, route.rateLimit.max - 4) : probes;
}

function segmentBefore(path: string, param: string): string {
  const parts = path.split('/');
  return parts[parts.indexOf(`{${param}}`) - 1]!;
}

/**
 * Several malformed requests per route (liveness aside), built from the route table: path parameters
 * point at `targets` (`schedules/name` → a real schedule), bodies break one thing in a valid one.
 */
export function malformedProbes(routes: Route[], targets: Record<string, string>, options: { fixture: string; tag: string }): Probe[] {
  const bodies = validBodies(options.fixture, options.tag);
  return routes.filter((r) => r.access !== 'public').flatMap((r) => probesFor(r, targets, bodies));
}
