import { context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE } from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyRequest, RouteHandlerMethod } from 'fastify';
import { kilnTracer } from '../../core/tracing/kiln-tracing.js';

/**
 * A server span per request, named by its route template (never the raw URL: no ids or query
 * values in names), continuing the caller's `traceparent` when it sends one. Handlers run with the
 * span active, so what they start (a workflow, through the Temporal client's interceptor) is its child.
 * Must be registered before any route.
 */
export function traceRequests(app: FastifyInstance): void {
  const spans = new WeakMap<FastifyRequest, Span>();
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url;
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const span = kilnTracer().startSpan(
      route ? `${request.method} ${route}` : request.method,
      { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: request.method, ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}) } },
      parent,
    );
    spans.set(request, span);
  });
  app.addHook('onResponse', async (request, reply) => {
    const span = spans.get(request);
    if (!span) return;
    spans.delete(request);
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  app.addHook('onRequestAbort', async (request) => {
    spans.get(request)?.setStatus({ code: SpanStatusCode.ERROR, message: 'the client closed the connection' }).end();
    spans.delete(request);
  });
  // Hooks do not carry async context into the handler (the body arrives on socket events): the handler enters it itself.
  app.addHook('onRoute', (routeOptions) => {
    const handler = routeOptions.handler as RouteHandlerMethod;
    routeOptions.handler = function tracedHandler(request, reply) {
      const span = spans.get(request);
      return span ? context.with(trace.setSpan(context.active(), span), () => handler.call(this, request, reply)) : handler.call(this, request, reply);
    };
  });
}
