// The server-to-server API under /federation/v1 (docs/FEDERATION.md): one scope, every route signed both ways.
import type { Route } from '../../context.js';
import { identifierQuery } from './identifierQuery.js';
import { type FederatedRoute, installInbound } from './inbound.js';

const federatedRoutes: FederatedRoute[] = [identifierQuery];

export const federation: Route = (app, ctx) => {
  app.register(
    async (scope) => {
      installInbound(scope, ctx);
      for (const route of federatedRoutes) route(scope, ctx);
    },
    { prefix: '/federation/v1' },
  );
};
