// GET /.well-known/parley — the discovery document: our domain, protocol versions, endpoints and signing keys.
// GET /v1/provider — who this provider is, for its own apps: domain and branding (no sign-in needed).
import type { Route } from '../../context.js';
import { discoveryDocument } from '../../federation/discovery.js';

export const discovery: Route = (app, ctx) => {
  app.get('/.well-known/parley', async (_request, reply) => {
    const keys = await ctx.federation.keys.published();
    // Short caching: peers refetch on an unknown key id anyway, and rotation should spread within minutes.
    reply.header('cache-control', 'public, max-age=300');
    return discoveryDocument(ctx.config.domain, ctx.federation.publicUrl, keys);
  });

  app.get('/v1/provider', async () => ({ domain: ctx.config.domain, ...ctx.config.branding }));
};
