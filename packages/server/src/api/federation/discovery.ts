// GET /.well-known/parley — the discovery document: our domain, protocol versions, endpoints and signing keys.
import type { Route } from '../../context.js';
import { discoveryDocument } from '../../federation/discovery.js';

export const discovery: Route = (app, ctx) => {
  app.get('/.well-known/parley', async (_request, reply) => {
    const keys = await ctx.federation.keys.published();
    // Short caching: peers refetch on an unknown key id anyway, and rotation should spread within minutes.
    reply.header('cache-control', 'public, max-age=300');
    return discoveryDocument(ctx.config.domain, ctx.federation.publicUrl, keys);
  });
};
