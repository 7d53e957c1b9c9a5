import type { Server } from 'node:http';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifySchemaCompiler } from 'fastify';
import { serializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SpecValidationError } from '../../core/errors.js';
import { describeIssues } from '../../core/specs/parse-spec.js';
import { errorResponse } from './error-response.js';
import { HttpRequestError } from './http-request-error.js';
import { MAX_BODY_BYTES, parseJsonBody } from './json-body.js';
import { swaggerOptions } from './swagger-options.js';
import { allowedHostNames, checkHostAndOrigin } from './request-guards.js';
import { NoQuery } from './request-schemas.js';
import type { Route } from './routes.js';

export interface ApiServerOptions {
  /** Host names answered besides loopback names and the bind address (`KILN_API_ALLOWED_HOSTS`). Default none. */
  allowedHosts?: readonly string[];
  /** Most connections open at once; more are refused by the socket. Default 256. */
  maxConnections?: number;
  /** Time to receive a whole request, in ms. Default 30 000. */
  requestTimeoutMs?: number;
  /** Time to receive a request's headers, in ms. Default 10 000. */
  headersTimeoutMs?: number;
}

/** The route table on Fastify: each part validated by the route's zod schemas, which also make /openapi.json. */
export async function buildApiApp(routes: Route[], bindHost: string, options: ApiServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: MAX_BODY_BYTES,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    http: { headersTimeout: options.headersTimeoutMs ?? 10_000 },
    connectionTimeout: 60_000,
    routerOptions: { maxParamLength: 500 },
    frameworkErrors: (error, _request, reply) => sendError(reply, fromFastifyError(error)),
  });
  app.server.maxConnections = options.maxConnections ?? 256;
  const allowed = allowedHostNames(bindHost, options.allowedHosts);
  // Liveness carries no data and is probed by address (a kubelet's Host is the pod IP): it skips the Host check.
  app.addHook('onRequest', async (request) => {
    if (request.url === '/v1/health' && request.method === 'GET') return;
    checkHostAndOrigin(request, allowed);
  });
  // Only JSON bodies: a form or text/plain body (what a cross-site page can send without preflight) is a 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    try {
      done(null, parseJsonBody(text as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.setValidatorCompiler(zodValidator);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((error, _request, reply) => sendError(reply, fromFastifyError(error)));
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).header('content-type', 'application/json').send({ error: { type: 'NotFound', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
  });
  await app.register(swagger, swaggerOptions);
  app.get('/openapi.json', { schema: { summary: 'This document', querystring: NoQuery } }, async () => app.swagger());
  for (const route of routes) {
    const bodySchema = route.body ?? route.serviceBody;
    app.route({
      method: route.method,
      url: route.path.replace(/\{(\w+)\}/g, ':$1'),
      schema: {
        summary: route.summary,
        params: route.params ?? pathParams(route.path),
        querystring: route.query ?? NoQuery,
        ...(route.headers ? { headers: route.headers } : {}),
        ...(bodySchema ? { body: bodySchema } : {}),
        response: documentedResponses(route.status ?? 200),
      },
      // A service-parsed body is only documented here; the service names its fields under its own root.
      ...(route.serviceBody ? { validatorCompiler: (req) => (req.httpPart === 'body' ? (data: unknown) => ({ value: data ?? {} }) : zodValidator({ ...req, schema: req.schema as z.ZodType })) } : {}),
      handler: async (request, reply) => {
        const result = await route.handle({
          params: request.params as Record<string, string>,
          query: request.query as Record<string, unknown>,
          headers: request.headers,
          body: request.body ?? {},
        });
        reply.code(route.status ?? 200).header('content-type', 'application/json');
        return JSON.stringify(result);
      },
    });
  }
  return app;
}

/** Starts the API on `host:port` (0: a port the OS picks). */
export async function startApiServer(routes: Route[], host: string, port: number, options: ApiServerOptions = {}): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const app = await buildApiApp(routes, host, options);
  await app.listen({ host, port });
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return { server: app.server, url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`, close: () => app.close() };
}

const zodValidator: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => (data) => {
  const result = schema.safeParse(data ?? {}, { reportInput: true });
  if (result.success) return { value: result.data };
  const issues = httpPart === 'querystring' ? expandUnknownKeys(result.error.issues) : result.error.issues;
  return { error: new SpecValidationError(describeIssues(issues)) };
};

/** One issue per unknown key, so `?limt=5` names `limt` rather than the query as a whole. */
function expandUnknownKeys(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue): z.core.$ZodIssue[] =>
    issue.code === 'unrecognized_keys' ? issue.keys.map((key) => ({ ...issue, keys: [key], path: [...issue.path, key], message: 'unknown parameter' })) : [issue],
  );
}

const ErrorBody = z.object({
  error: z.object({ type: z.string(), message: z.string(), fields: z.array(z.object({ path: z.string(), message: z.string() })).optional() }),
});

/** Responses shown in /openapi.json; handlers answer JSON text, so nothing is serialized through these. */
function documentedResponses(status: number) {
  return {
    [status]: z.unknown().describe('OK'),
    400: ErrorBody.describe('Invalid input; `error.fields` names each offending field'),
    404: ErrorBody.describe('Not found'),
  };
}

function pathParams(path: string): z.ZodType {
  return z.object(Object.fromEntries([...path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1]!, z.string().min(1)]))).strict();
}

/** Fastify's own refusals (size, media type, malformed URL) in Kiln's error shape. */
function fromFastifyError(thrown: unknown): unknown {
  const error = thrown as Partial<FastifyError>;
  if (thrown instanceof SpecValidationError || !(thrown instanceof Error) || typeof error.code !== 'string' || !error.code.startsWith('FST_')) return thrown;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpRequestError(413, 'PayloadTooLarge', `body: larger than ${MAX_BODY_BYTES} bytes`, [{ path: 'body', message: `larger than ${MAX_BODY_BYTES} bytes` }], { cause: error });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpRequestError(415, 'UnsupportedMediaType', 'headers.content-type: expected application/json', [{ path: 'headers.content-type', message: 'expected application/json' }], { cause: error });
    default: {
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
      return new HttpRequestError(status, status === 500 ? 'InternalError' : 'BadRequest', thrown.message, [], { cause: thrown });
    }
  }
}

function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  const { status, body } = errorResponse(error);
  return reply.code(status).header('content-type', 'application/json').send(JSON.stringify(body));
}
