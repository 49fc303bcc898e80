// The server-to-server API under /federation/v1 (docs/FEDERATION.md): one scope, every route signed both ways.
import type { Route } from '../../context.js';
import { federatedConsent } from './consent.js';
import { identifierQuery } from './identifierQuery.js';
import { type FederatedRoute, installInbound } from './inbound.js';
import { federatedRooms } from './rooms.js';

const federatedRoutes: FederatedRoute[] = [identifierQuery, federatedRooms, federatedConsent];

export const federation: Route = (app, ctx) => {
  app.register(
    async (scope) => {
      installInbound(scope, ctx);
      for (const route of federatedRoutes) route(scope, ctx);
    },
    { prefix: '/federation/v1' },
  );
};
