import type { SwaggerOptions } from '@fastify/swagger';
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ExperimentSpec } from '../../core/specs/experiment.js';
import { RolloutRequest } from '../../core/specs/rollout.js';
import { WorkspaceSpec } from '../../core/specs/workspace.js';
import { BackfillRequest, DatasetSpec, EnvironmentSpec, ProjectSpec, RunRequest, ScheduleSpec } from '../../core/specs/index.js';
import { FeedbackRequest } from '../feedback-service.js';
import { AliasRequest, ApprovalRequest } from '../models-service.js';
import { ExtendRequest, NoteRequest, PredictRequest, RollbackRequest } from './request-schemas.js';
import { PrincipalSpec } from '../../core/access/principal.js';
import { RoleSpec } from '../../core/access/roles.js';
import { BindingRequest, TokenRequest } from '../access/access-requests.js';

/** Request bodies shown by name under `components.schemas` (each route references them by `$ref`). */
export const NAMED_SCHEMAS = {
  EnvironmentSpec,
  DatasetSpec,
  ProjectSpec,
  RunRequest,
  PredictRequest,
  FeedbackRequest,
  RollbackRequest,
  RolloutRequest,
  WorkspaceSpec,
  ExperimentSpec,
  ExtendRequest,
  ScheduleSpec,
  BackfillRequest,
  NoteRequest,
  AliasRequest,
  ApprovalRequest,
  PrincipalSpec,
  RoleSpec,
  BindingRequest,
  TokenRequest,
};
const registry = z.registry<{ id: string }>();
for (const [id, schema] of Object.entries(NAMED_SCHEMAS)) registry.add(schema, { id });

// Transforms and refinements have no JSON Schema form; they are documented as their input type.
const zodToJsonConfig = { unrepresentable: 'any' } as const;

/** @fastify/swagger options: an OpenAPI 3.1 document made from each route's zod schemas. */
export const swaggerOptions: SwaggerOptions = {
  openapi: {
    openapi: '3.1.0',
    info: { title: 'Kiln API', version: '0.1.0' },
    // An API token (`kiln_…`) or, when OIDC is configured, a JWT from the issuer.
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
  },
  transform: createJsonSchemaTransform({ schemaRegistry: registry, zodToJsonConfig }),
  transformObject: (input) => inputSchemasOnly(createJsonSchemaTransformObject({ schemaRegistry: registry, zodToJsonConfig })(input)),
};

/** Drops the output variants of named schemas: no route documents a response with them. */
function inputSchemasOnly<D>(doc: D): D {
  const schemas = (doc as { components?: { schemas?: Record<string, unknown> } }).components?.schemas;
  if (schemas) for (const name of Object.keys(NAMED_SCHEMAS)) if (`${name}Input` in schemas) delete schemas[name];
  return doc;
}
