import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { checkHostAndOrigin } from './request-guards.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

/**
 * The page may run only its own scripts and talk only to this API; uPlot and Preact set inline
 * styles through the DOM, hence 'unsafe-inline' for styles alone.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const AssetParams = z.object({ file: z.string().regex(/^[A-Za-z0-9_.-]{1,200}$/, 'not an asset name') }).strict();

/**
 * The console's built files (index.html and hashed assets), read once at start-up and served
 * without a token: they hold no data. Every call they make goes through the authenticated API.
 */
export function serveConsole(app: FastifyInstance, dir: string, allowedHosts: ReadonlySet<string>): void {
  const index = join(dir, 'index.html');
  const built = existsSync(index);
  const assets = new Map<string, Buffer>();
  const assetsDir = join(dir, 'assets');
  if (built && existsSync(assetsDir)) for (const name of readdirSync(assetsDir)) assets.set(name, readFileSync(join(assetsDir, name)));
  const page = built ? readFileSync(index) : Buffer.from('<!doctype html><title>Kiln</title><p>The console is not built: run <code>make build</code>.</p>');
  const secured = (reply: FastifyReply) =>
    reply
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY');
  const hidden = { hide: true } as Record<string, unknown>;
  app.get('/', { schema: hidden, config: { access: 'public' } }, async (request, reply) => {
    checkHostAndOrigin(request, allowedHosts);
    return secured(reply).header('content-type', CONTENT_TYPES['.html']).header('cache-control', 'no-cache').send(page);
  });
  app.get('/assets/:file', { schema: { ...hidden, params: AssetParams }, config: { access: 'public' } }, async (request, reply) => {
    checkHostAndOrigin(request, allowedHosts);
    const { file } = request.params as z.infer<typeof AssetParams>;
    const body = assets.get(file);
    if (!body)
      return reply
        .code(404)
        .header('content-type', 'application/json')
        .send({ error: { type: 'NotFound', message: `no asset ${file}` } });
    // Built names carry a content hash: a changed file is a new name, so a browser may keep these.
    const type = CONTENT_TYPES[extname(file)] ?? 'application/octet-stream';
    return secured(reply).header('content-type', type).header('cache-control', 'public, max-age=31536000, immutable').send(body);
  });
}
