/**
 * Serves the till's browser build (renderer/dist) from the sync server, so a kiosk or a browser
 * till needs only the server's address. Read-only, public, and confined to the build folder.
 */
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export function registerTillFiles(app: FastifyInstance, dir: string): void {
  const root = normalize(dir) + sep;
  const send = async (path: string, cache: string, reply: FastifyReply) => {
    const file = normalize(join(root, path));
    if (!file.startsWith(root)) return reply.status(404).send({ error: { message: 'not found', code: 'NOT_FOUND' } });
    try {
      const body = await readFile(file);
      return reply.type(TYPES[extname(file)] ?? 'application/octet-stream').header('cache-control', cache).send(body);
    } catch {
      return reply.status(404).send({ error: { message: `no file ${path}`, code: 'NOT_FOUND' } });
    }
  };
  const schema = { hide: true };
  app.get('/', { config: { public: true }, schema }, (_req, reply) => send('index.html', 'no-cache', reply));
  // Vite puts a content hash in every asset name, so assets can be cached for good.
  app.get('/assets/*', { config: { public: true }, schema }, (req, reply) => {
    const params = req.params;
    const rest = typeof params === 'object' && params !== null && '*' in params && typeof params['*'] === 'string' ? params['*'] : '';
    return send(join('assets', rest), 'public, max-age=31536000, immutable', reply);
  });
}
