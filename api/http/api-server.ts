import { createHash, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifySchemaCompiler,
  type FastifyServerFactory,
} from 'fastify';
import { serializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ForbiddenError, SpecValidationError } from '../../core/errors.js';
import { describeIssues } from '../../core/specs/parse-spec.js';
import { AuditTally } from './audit-tally.js';
import { serveConsole } from './console-assets.js';
import { errorResponse } from './error-response.js';
import { HttpRequestError } from './http-request-error.js';
import { MAX_BODY_BYTES, parseJsonBody } from './json-body.js';
import { swaggerOptions } from './swagger-options.js';
import { allowedHostNames, checkHostAndOrigin } from './request-guards.js';
import { NoQuery } from './request-schemas.js';
import { traceRequests } from './request-tracing.js';
import { authorize, filtersItems, visibleItems, type ApiSecurity, type Caller, type RouteAccess } from './route-access.js';
import { JsonText, PlainText } from './route.js';
import type { Route } from './routes.js';
import { errorFields, kilnLog } from '../../core/logging/kiln-log.js';
import { serverWithWorkspaces } from './workspace-server.js';
import { WorkspaceProxy, type WorkspaceProxyDeps } from './workspace-proxy.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set once the bearer token checked out. */
    caller: Caller | null;
    /** The resource the request acted on, for the audit log (`project:fraud`). */
    auditResource: string | null;
    /** The body's JSON text as received; null without a body. */
    rawBody: string | null;
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
    /** Successful calls are counted into the audit log per window, not written one by one. */
    auditCounted?: boolean;
  }
}

export interface ApiServerOptions {
  /** Authentication, authorization, ownership and the audit log (AccessService). */
  security: ApiSecurity;
  /** Host names answered besides loopback names and the bind address (`KILN_API_ALLOWED_HOSTS`). Default none. */
  allowedHosts?: readonly string[];
  /** Most connections open at once; more are refused by the socket. Default 256. */
  maxConnections?: number;
  /** Time to receive a whole request, in ms. Default 30 000. */
  requestTimeoutMs?: number;
  /** Time to receive a request's headers, in ms. Default 10 000. */
  headersTimeoutMs?: number;
  /** How often the counted audit entries (successful predictions) are written, in ms. Default 60 000. */
  auditWindowMs?: number;
  /** The built console (`dist/console`), served at `/` without a token. Default: no console. */
  consoleDir?: string;
  /** A span per request (request-tracing.ts), when tracing is installed. Default false. */
  traceRequests?: boolean;
  /** Workspaces served through the API at `/workspaces/<name>/` (workspace-proxy.ts). Default: none. */
  workspaces?: WorkspaceProxyDeps['workspaces'];
}

/** The route table on Fastify: each part validated by the route's zod schemas, which also make /openapi.json. */
export async function buildApiApp(routes: Route[], bindHost: string, options: ApiServerOptions): Promise<FastifyInstance> {
  const { security } = options;
  const directoryOf = (request: FastifyRequest) => {
    let directory = directories.get(request);
    if (!directory) directories.set(request, (directory = security.directory()));
    return directory;
  };
  const allowed = allowedHostNames(bindHost, options.allowedHosts);
  const proxy =
    options.workspaces && new WorkspaceProxy({ workspaces: options.workspaces, grantOf: (holder) => security.grantOf(holder), allowedHosts: allowed });
  const serverFactory: FastifyServerFactory<Server> | undefined = proxy && ((handler, settings) => serverWithWorkspaces(handler, settings, proxy));
  const app = Fastify({
    // Kiln's logger: request lines carry `reqId`; one line per request would cost the predict route dearly, so only failures are logged.
    loggerInstance: kilnLog().child({ component: 'api' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // Our own ids: a client-sent X-Request-Id would let a caller forge audit entries' ids.
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    bodyLimit: MAX_BODY_BYTES,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    http: { headersTimeout: options.headersTimeoutMs ?? 10_000 },
    connectionTimeout: 60_000,
    routerOptions: { maxParamLength: 500 },
    frameworkErrors: (error, _request, reply) => sendError(reply, fromFastifyError(error)),
    ...(serverFactory ? { serverFactory } : {}),
  });
  app.server.maxConnections = options.maxConnections ?? 256;
  if (proxy)
    app.addHook('preClose', (done) => {
      proxy.closeAll();
      done();
    });
  if (options.traceRequests) traceRequests(app);
  // Liveness carries no data and is probed by address (a kubelet's Host is the pod IP): it skips the Host check.
  app.decorateRequest('caller', null);
  app.decorateRequest('auditResource', null);
  app.decorateRequest('rawBody', null);
  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    if (access === 'public') return;
    checkHostAndOrigin(request, allowed);
    // Every route but liveness needs a token, unknown paths included (no probing without one).
    const principal = await security.authenticate(request.headers.authorization);
    request.caller = { principal, grant: await security.grantOf(principal) };
  });
  const tally = new AuditTally((entry) => security.record(entry), options.auditWindowMs ? { windowMs: options.auditWindowMs } : {});
  app.addHook('onClose', () => tally.close());
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    if (!MUTATING_METHODS.has(request.method)) return payload;
    const entry = auditEntry(request, reply.statusCode, payload);
    // Thousands a second of fsync'd rows would cap the route; refusals and failures are still written one by one.
    if (entry.outcome === 'ok' && request.routeOptions.config.auditCounted) {
      tally.count(entry);
      return payload;
    }
    await security.record(entry).catch((error: unknown) => {
      request.log.error(errorFields(error), 'kiln: could not write the audit entry');
    });
    return payload;
  });
  // Only JSON bodies: a form or text/plain body (what a cross-site page can send without preflight) is a 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, text, done) => {
    try {
      request.rawBody = text as string;
      done(null, parseJsonBody(text as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.setValidatorCompiler(zodValidator);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((error, _request, reply) => sendError(reply, fromFastifyError(error)));
  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .header('content-type', 'application/json')
      .send({ error: { type: 'NotFound', message: `no route ${request.method} ${request.url.split('?')[0]}` } });
  });
  await app.register(swagger, swaggerOptions);
  // Per route (token endpoints), keyed by caller address.
  await app.register(rateLimit, { global: false, errorResponseBuilder: (_request, context) => rateLimited(context.after) });
  app.get('/openapi.json', { schema: { summary: 'This document', querystring: NoQuery }, config: { access: 'authenticated' } }, async () => app.swagger());
  if (options.consoleDir) serveConsole(app, options.consoleDir, allowed);
  for (const route of routes) {
    const bodySchema = route.body ?? route.serviceBody;
    app.route({
      method: route.method,
      url: route.path.replace(/\{(\w+)\}/g, ':$1'),
      schema: {
        summary: route.summary,
        description: accessDescription(route.access),
        ...(route.access === 'public' ? { security: [] } : {}),
        params: route.params ?? pathParams(route.path),
        querystring: route.query ?? NoQuery,
        ...(route.headers ? { headers: route.headers } : {}),
        ...(bodySchema ? { body: bodySchema } : {}),
        response: documentedResponses(route.status ?? 200),
      },
      // A service-parsed body is only documented here; the service names its fields under its own root.
      ...(route.serviceBody
        ? {
            validatorCompiler: (req) =>
              req.httpPart === 'body' ? (data: unknown) => ({ value: data ?? {} }) : zodValidator({ ...req, schema: req.schema as z.ZodType }),
          }
        : {}),
      config: { access: route.access, auditCounted: route.audit === 'counted', ...(route.rateLimit ? { rateLimit: route.rateLimit } : {}) },
      // Before validation: a caller without the permission learns nothing from how its input is checked.
      preValidation: async (request) => {
        if (route.access === 'public') return;
        const caller = request.caller!;
        try {
          const label = await authorize(
            route.access,
            { params: request.params as Record<string, string>, query: request.query as Record<string, unknown>, body: request.body, caller },
            directoryOf(request),
          );
          request.auditResource = label ?? null;
        } catch (error) {
          // A refusal is audited with the resource it concerned.
          if (error instanceof ForbiddenError && error.resource) request.auditResource = error.resource;
          throw error;
        }
        // A route that takes no body refuses one with fields in it, as it refuses unknown query parameters.
        if (!bodySchema) refuseUnexpectedBody(request.body);
      },
      handler: async (request, reply) => {
        const caller = request.caller;
        const query = request.query as Record<string, unknown>;
        const listLimit = typeof route.access === 'object' ? route.access.visibleLimit : undefined;
        // Only a scoped caller's list is filtered, after the handler: ask for enough to fill the limit.
        const filtered = caller !== null && filtersItems(route.access, caller);
        const widened = listLimit && filtered;
        let result = await route.handle({
          params: request.params as Record<string, string>,
          query: widened ? { ...query, limit: listLimit.max } : query,
          headers: request.headers,
          // No body reads as `{}` (Fastify hands null); a JSON `null` body was refused when parsed.
          body: request.body ?? {},
          rawBody: request.rawBody ?? '',
          caller: caller!,
        });
        if (caller && typeof route.access === 'object') {
          const { owns } = route.access;
          const name = owns && (owns.nameOf as (r: unknown) => unknown)(result);
          if (owns && typeof name === 'string') {
            await security.claim(owns.kind, name, caller.principal);
            request.auditResource ??= `${owns.kind}:${name}`;
          }
          if (filtered) result = await visibleItems(route.access, caller, result, directoryOf(request));
          if (widened && Array.isArray(result)) result = result.slice(0, (query.limit as number | undefined) ?? listLimit.default);
        }
        if (result instanceof PlainText)
          return reply
            .code(route.status ?? 200)
            .header('content-type', result.contentType)
            .send(result.text);
        const body = result instanceof JsonText ? result.text : JSON.stringify(result);
        reply.code(route.status ?? 200).header('content-type', 'application/json');
        return route.method === 'GET' ? revalidated(request, reply, body) : body;
      },
    });
  }
  return app;
}

const MUTATING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A GET answer carries a digest of its body: a poller (the console) that sends it back as
 * `If-None-Match` gets a bodiless 304 while nothing changed. `private`: answers depend on the token.
 */
function revalidated(request: FastifyRequest, reply: FastifyReply, body: string): string {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  reply.header('etag', etag).header('cache-control', 'private, no-cache');
  if (request.headers['if-none-match'] !== etag) return body;
  reply.code(304);
  return '';
}

/** One resource directory per request: lookups are remembered for the request only. */
const directories = new WeakMap<FastifyRequest, ReturnType<ApiSecurity['directory']>>();

/** Starts the API on `host:port` (0: a port the OS picks). */
export async function startApiServer(
  routes: Route[],
  host: string,
  port: number,
  options: ApiServerOptions,
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const app = await buildApiApp(routes, host, options);
  await app.listen({ host, port });
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return { server: app.server, url: `http://${host.includes(':') ? `[${host}]` : host}:${actualPort}`, close: () => app.close() };
}

const zodValidator: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => {
  const validate = (data: unknown) => {
    const result = schema.safeParse(data ?? {}, { reportInput: true });
    if (result.success) return { value: result.data };
    const issues = httpPart === 'querystring' ? expandUnknownKeys(result.error.issues) : result.error.issues;
    return { error: new SpecValidationError(describeIssues(issues)) };
  };
  // Most routes take no query and most requests send none: nothing to check then (the predict route's every call).
  return schema === NoQuery ? (data: unknown) => (data == null || Object.keys(data).length === 0 ? { value: {} } : validate(data)) : validate;
};

/** One issue per unknown key, so `?limt=5` names `limt` rather than the query as a whole. */
function expandUnknownKeys(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue): z.core.$ZodIssue[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ ...issue, keys: [key], path: [...issue.path, key], message: 'unknown parameter' }))
      : [issue],
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

/** A path parameter no route declares more precisely: a name or id, printable and short. */
const PathParam = z.string().min(1).max(255);

function pathParams(path: string): z.ZodType {
  return z.object(Object.fromEntries([...path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1]!, PathParam]))).strict();
}

/** Fastify's own refusals (size, media type, malformed URL) in Kiln's error shape. */
function fromFastifyError(thrown: unknown): unknown {
  const error = thrown as Partial<FastifyError>;
  if (thrown instanceof SpecValidationError || !(thrown instanceof Error) || typeof error.code !== 'string' || !error.code.startsWith('FST_')) return thrown;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpRequestError(
        413,
        'PayloadTooLarge',
        `body: larger than ${MAX_BODY_BYTES} bytes`,
        [{ path: 'body', message: `larger than ${MAX_BODY_BYTES} bytes` }],
        { cause: error },
      );
    case 'FST_ERR_BAD_URL':
      return new HttpRequestError(400, 'BadRequest', 'url: not a valid URL (bad percent-encoding)', [{ path: 'url', message: 'not a valid URL component' }], {
        cause: error,
      });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HttpRequestError(
        415,
        'UnsupportedMediaType',
        'headers.content-type: expected application/json',
        [{ path: 'headers.content-type', message: 'expected application/json' }],
        { cause: error },
      );
    default: {
      const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
      return new HttpRequestError(status, status === 500 ? 'InternalError' : 'BadRequest', thrown.message, [], { cause: thrown });
    }
  }
}

function auditEntry(request: FastifyRequest, status: number, payload: unknown) {
  const access = request.routeOptions.config.access;
  let message: string | null = null;
  if (status >= 400 && typeof payload === 'string') {
    try {
      const { error } = JSON.parse(payload) as { error?: { type?: string; message?: string } };
      message = error ? `${error.type}: ${error.message}` : null;
    } catch {
      message = null;
    }
  }
  return {
    principal: request.caller ? `${request.caller.principal.kind}:${request.caller.principal.name}` : 'anonymous',
    permission: typeof access === 'object' ? access.permission : null,
    method: request.method,
    route: request.routeOptions.url ?? request.url.split('?')[0]!,
    resource: request.auditResource,
    status,
    outcome: status < 400 ? ('ok' as const) : status === 401 || status === 403 ? ('denied' as const) : status < 500 ? ('invalid' as const) : ('error' as const),
    requestId: request.id,
    message,
  };
}

function refuseUnexpectedBody(body: unknown): void {
  if (body === null || body === undefined) return;
  if (typeof body !== 'object' || Array.isArray(body)) throw new SpecValidationError([{ path: 'body', message: 'this route takes no body' }]);
  const fields = Object.keys(body);
  if (fields.length) throw new SpecValidationError(fields.map((field) => ({ path: field, message: 'unknown field: this route takes no body' })));
}

function accessDescription(access: RouteAccess): string {
  if (access === 'public') return 'No token needed.';
  if (access === 'authenticated') return 'Any valid token.';
  return `Needs \`${access.permission}\`${access.global ? ' on every resource (an unscoped binding)' : access.resource ? ' on the resource it names' : access.visible ? '; lists only what the caller may see' : ''}.`;
}

function rateLimited(retryAfter: string): HttpRequestError {
  return new HttpRequestError(429, 'TooManyRequests', `too many requests to this endpoint; retry in ${retryAfter}`, []);
}

function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  const { status, body } = errorResponse(error);
  // A client's mistake is its answer; a server's failure is an operator's to see.
  if (status >= 500) reply.log.error({ ...errorFields(error), status, method: reply.request.method, url: reply.request.routeOptions.url }, 'request failed');
  return reply.code(status).header('content-type', 'application/json').send(JSON.stringify(body));
}
