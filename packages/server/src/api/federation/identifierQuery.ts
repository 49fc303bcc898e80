// POST /federation/v1/identifierQuery — does this user of ours exist; their identity key and device ids.
import { Type } from 'typebox';
import { ApiError } from '../../errors.js';
import { type FederatedRoute, uriDomain } from './inbound.js';

const Query = Type.Object(
  {
    user: Type.String({ minLength: 1, maxLength: 300 }),
    /** Who asks, when a user asks (a user of the signing provider). Reserved for consent and privacy policy. */
    requester: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  },
  { additionalProperties: false },
);

export const identifierQuery: FederatedRoute = (scope, ctx) => {
  scope.post(
    '/identifierQuery',
    { schema: { body: Query }, config: { senders: ['requester'] } },
    async (request) => {
      const { user } = request.body as { user: string };
      const prefix = `mimi://${ctx.config.domain}/u/`;
      if (uriDomain(user) !== ctx.config.domain || !user.startsWith(prefix)) {
        throw new ApiError('noSuchUser', `${user} is not a user URI of ${ctx.config.domain}.`);
      }
      const handle = user.slice(prefix.length);
      const found = await ctx.storage.accounts.getUser(handle);
      if (!found) throw new ApiError('noSuchUser', 'There is no such user here.');
      const devices = await ctx.storage.accounts.listDevices(handle);
      return {
        user,
        exists: true,
        identityKey: found.identityKey ? Buffer.from(found.identityKey).toString('base64') : null,
        devices: devices.map((d) => d.id),
      };
    },
  );
};
