// GET / and every path outside the APIs — the provider's own web app (apps/web, built by Vite), when `webRoot`
// names its folder. Files are served as they are; a path without a file extension gets index.html (the app routes
// itself). API paths never fall through to the app: an unknown one stays a JSON 404.
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { Route } from '../context.js';
import { ApiError } from '../errors.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

const API = /^\/(v1|federation|\.well-known|health|metrics)(\/|$)/;

export const web: Route = (app, ctx) => {
  const rootSetting = ctx.config.webRoot;
  if (!rootSetting) return;
  const root = resolve(rootSetting);

  const file = async (path: string) => {
    const full = normalize(join(root, path));
    if (full !== root && !full.startsWith(root + sep)) return undefined; // no way out of the folder
    try {
      const info = await stat(full);
      return info.isFile() ? full : undefined;
    } catch {
      return undefined;
    }
  };

  app.get('/*', async (request, reply) => {
    const path = decodeURIComponent(request.url.split('?')[0]!);
    if (API.test(path)) throw new ApiError('notFound', `No route GET ${path}.`);
    let found = await file(path === '/' ? '/index.html' : path);
    if (!found && extname(path) === '') found = await file('/index.html');
    if (!found) throw new ApiError('notFound', `No file ${path}.`);
    const hashed = path.startsWith('/assets/');
    return reply
      .header('content-type', TYPES[extname(found)] ?? 'application/octet-stream')
      .header('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .header(
        'content-security-policy',
        "default-src 'self'; img-src 'self' blob: data:; style-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
      )
      .send(await readFile(found));
  });
};
