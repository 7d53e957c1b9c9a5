import { describe, expect, it } from 'vitest';
import type { KilnService } from '../../../api/kiln-service.js';
import { openApiDocument } from '../../../api/http/openapi.js';
import { kilnRoutes } from '../../../api/http/routes.js';
import { NAMED_SCHEMAS } from '../../../api/http/swagger-options.js';

const NAMED = NAMED_SCHEMAS;

// The document is built from the route table alone; no handler is called.
const unusedService = new Proxy({}, { get: (_t, name) => () => Promise.reject(new Error(`unexpected call to ${String(name)}`)) }) as KilnService;
const routes = kilnRoutes(unusedService);
const doc = (await openApiDocument(routes)) as unknown as {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components: { schemas: Record<string, unknown> };
};

type Operation = {
  summary: string;
  parameters?: { name: string; in: string; required: boolean }[];
  requestBody?: { content: Record<string, { schema: { $ref: string } }> };
  responses: Record<string, unknown>;
};
const operation = (path: string, method: string) => doc.paths[path]?.[method] as Operation | undefined;
const schemas = doc.components.schemas as Record<string, { required?: string[]; properties?: Record<string, unknown>; additionalProperties?: unknown }>;

describe('openApiDocument paths', () => {
  it('is an OpenAPI 3.1 document', () => {
    expect(doc.openapi).toBe('3.1.0');
  });

  it.each(routes.map((r) => [r.method, r.path, r] as const))('has %s %s with its summary and success status', (method, path, route) => {
    const op = operation(path, method.toLowerCase());
    expect(op?.summary).toBe(route.summary);
    expect(op?.responses).toHaveProperty(String(route.status ?? 200));
  });

  it('lists each path parameter as a required string', () => {
    expect(operation('/v1/models/{name}/predict', 'post')?.parameters).toEqual([
      expect.objectContaining({ name: 'name', in: 'path', required: true, schema: expect.objectContaining({ type: 'string' }) }),
    ]);
  });

  it('lists the GET /v1/runs filters as optional query parameters, from the schema that validates them', () => {
    expect(operation('/v1/runs', 'get')?.parameters?.map((p) => [p.name, p.in, p.required])).toEqual([
      ['project', 'query', false],
      ['status', 'query', false],
      ['trigger', 'query', false],
      ['schedule', 'query', false],
      ['limit', 'query', false],
    ]);
  });

  it('lists the model name and the optional limit of GET /v1/models/{name}/monitoring', () => {
    expect(operation('/v1/models/{name}/monitoring', 'get')?.parameters?.map((p) => [p.name, p.in, p.required])).toEqual([
      ['limit', 'query', false],
      ['name', 'path', true],
    ]);
  });

  it('documents the optional Idempotency-Key header on POST /v1/runs only', () => {
    expect(operation('/v1/runs', 'post')?.parameters).toEqual([expect.objectContaining({ name: 'idempotency-key', in: 'header', required: false })]);
    expect(operation('/v1/environments', 'post')).not.toHaveProperty('parameters');
  });

  it('keeps a GET and a POST on the same path apart', () => {
    expect(Object.keys(doc.paths['/v1/runs'] ?? {}).sort()).toEqual(['get', 'post']);
  });
});

describe('openApiDocument request bodies', () => {
  const names = new Map(Object.entries(doc.components.schemas).map(([name]) => [name.replace(/Input$/, ''), name]));
  const withBody = routes.filter((r) => r.body ?? r.serviceBody).map((r) => ({ ...r, name: bodyName(r.body ?? r.serviceBody) }));

  it('covers the creating routes', () => {
    expect(withBody.map((r) => r.name)).toEqual([
      'EnvironmentSpec',
      'DatasetSpec',
      'RolloutRequest',
      'WorkspaceSpec',
      'ProjectSpec',
      'RunRequest',
      'AliasRequest',
      'ApprovalRequest',
      'ApprovalRequest',
      'ScheduleSpec',
      'NoteRequest',
      'NoteRequest',
      'BackfillRequest',
      'RollbackRequest',
      'PredictRequest',
      'FeedbackRequest',
      'ExperimentSpec',
      'ExtendRequest',
      'PrincipalSpec',
      'PrincipalSpec',
      'RoleSpec',
      'BindingRequest',
      'TokenRequest',
    ]);
  });

  it.each(withBody.map((r) => [r.method, r.path, r.name] as const))('%s %s references components.schemas.%s, which exists', (method, path, body) => {
    const ref = operation(path, method.toLowerCase())?.requestBody?.content['application/json']?.schema.$ref;
    expect(ref).toBe(`#/components/schemas/${names.get(body)}`);
    expect(schemas[names.get(body)!]).toBeTypeOf('object');
  });

  it('has no request body on routes that take none', () => {
    for (const route of routes.filter((r) => !r.body && !r.serviceBody))
      expect(operation(route.path, route.method.toLowerCase())).not.toHaveProperty('requestBody');
  });
});

function bodyName(schema: unknown): string {
  const found = Object.entries(NAMED).find(([, s]) => s === schema);
  return found ? found[0] : 'unnamed';
}

describe('openApiDocument schemas', () => {
  it('serves the document at /openapi.json', () => {
    expect(doc.paths).toHaveProperty('/openapi.json');
  });

  it('describes EnvironmentSpec input: name and python_version required, defaulted fields optional', () => {
    expect(schemas.EnvironmentSpecInput?.required?.sort()).toEqual(['name', 'python_version']);
    expect(schemas.EnvironmentSpecInput?.properties).toHaveProperty('dependencies');
  });

  it('does not offer spec_digest as an EnvironmentSpec input field', () => {
    expect(schemas.EnvironmentSpecInput?.properties).not.toHaveProperty('spec_digest');
    expect(schemas.EnvironmentSpecInput?.additionalProperties).toBe(false);
  });

  it('documents the optional ProjectSpec monitoring section, every field defaulted', () => {
    expect(schemas.ProjectSpecInput?.required).not.toContain('monitoring');
    expect(schemas.ProjectSpecInput?.properties?.monitoring).toMatchObject({
      properties: { window: { default: '1h' }, on_drift: { default: 'none', enum: ['retrain', 'alert', 'none'] } },
      additionalProperties: false,
    });
    expect(schemas.ProjectSpecInput?.properties?.monitoring).not.toHaveProperty('required');
  });

  it('requires only the project in a RunRequest', () => {
    expect(schemas.RunRequestInput?.required).toEqual(['project']);
  });
});
