import type { z } from 'zod';
import type { Caller, RouteAccess } from './route-access.js';

/** What a handler receives: each part already checked by the route's schema. */
export interface RouteContext {
  params: Record<string, string>;
  query: Record<string, unknown>;
  /** Names in lower case. */
  headers: Record<string, unknown>;
  body: unknown;
  /** The body as sent (JSON text, `''` for none): for a handler that passes a checked body on untouched. */
  rawBody: string;
  /** Who is calling; absent only on public routes. */
  caller: Caller;
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path with `{name}` parameters. */
  path: string;
  summary: string;
  /** The permission the route needs and how its resource is found: every route declares it. */
  access: RouteAccess;
  /**
   * How a mutating call is audited: `each` call its own entry (default), or `counted`: successful
   * calls one entry per caller, resource and minute (predictions); refusals and failures each their own.
   */
  audit?: 'each' | 'counted';
  /** Requests per caller address and window (token endpoints). */
  rateLimit?: { max: number; timeWindow: string };
  /** 201/202 for creations; 200 otherwise. */
  status?: number;
  /** Path parameters; default: each `{name}` a non-empty string. */
  params?: z.ZodType;
  /** Query parameters; default: none accepted (an unknown one is a 400 naming it). */
  query?: z.ZodType;
  /** Request headers the route reads (names in lower case); default none documented. */
  headers?: z.ZodType;
  /** Request body, checked before the handler runs; field paths start at the body's root. */
  body?: z.ZodType;
  /**
   * Request body parsed by the service itself, whose field paths start at its own root
   * (`project.`, `schedule.`); here it only documents the body. The handler gets the raw JSON.
   */
  serviceBody?: z.ZodType;
  handle(ctx: RouteContext): Promise<unknown>;
}

type Out<S, Default> = S extends z.ZodType ? z.output<S> : Default;

/** A route whose handler sees the outputs of its own schemas. */
export function route<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  H extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(
  definition: Omit<Route, 'params' | 'query' | 'headers' | 'body' | 'handle'> & {
    params?: P;
    query?: Q;
    headers?: H;
    body?: B;
    handle(ctx: {
      params: Out<P, Record<string, string>>;
      query: Out<Q, Record<string, never>>;
      headers: Out<H, Record<string, unknown>>;
      body: Out<B, unknown>;
      rawBody: string;
      caller: Caller;
    }): Promise<unknown>;
  },
): Route {
  return definition as Route;
}

/** A handler's answer already serialized as JSON: sent as it is. */
export class JsonText {
  constructor(readonly text: string) {}
}

/** A handler's answer in another text format (Prometheus' exposition format): sent as it is, with its content type. */
export class PlainText {
  constructor(
    readonly text: string,
    readonly contentType: string,
  ) {}
}
