// PUT /v1/identity, GET /v1/users/:user — a user's identity key, and what others may know of a user.
import { formatAddress } from '@parley/protocol';
import { Type } from 'typebox';
import { decodeBase64, memberRef, type Route } from '../../context.js';
import { ApiError } from '../../errors.js';

const PublishIdentity = Type.Object(
  { identityKey: Type.String({ pattern: '^[A-Za-z0-9+/]{43}=$' }) },
  { additionalProperties: false },
);
const UserParams = Type.Object({ user: Type.String({ minLength: 1, maxLength: 300 }) });

export const identity: Route = (app, ctx) => {
  app.put('/v1/identity', { schema: { body: PublishIdentity } }, async (request) => {
    const me = await ctx.auth.fromRequest(request);
    const { identityKey } = request.body as { identityKey: string };
    const result = await ctx.storage.accounts.setIdentityKey(me.handle, decodeBase64(identityKey));
    if (!result.ok) {
      throw new ApiError('identityKeyConflict', 'This account already has a different identity key.');
    }
    return { user: formatAddress({ handle: me.handle, domain: ctx.config.domain }), identityKey };
  });

  app.get('/v1/users/:user', { schema: { params: UserParams } }, async (request) => {
    await ctx.auth.fromRequest(request);
    const member = memberRef(ctx, (request.params as { user: string }).user);
    if (member.includes('@')) {
      const remote = await ctx.remote.user(member);
      return {
        user: remote.user,
        identityKey: remote.identityKey ? Buffer.from(remote.identityKey).toString('base64') : null,
        devices: remote.devices,
      };
    }
    const handle = member;
    const user = await ctx.storage.accounts.getUser(handle);
    if (!user) throw new ApiError('noSuchUser', 'There is no such user here.');
    const devices = await ctx.storage.accounts.listDevices(handle);
    return {
      user: formatAddress({ handle, domain: ctx.config.domain }),
      identityKey: user.identityKey ? Buffer.from(user.identityKey).toString('base64') : null,
      devices: devices.map((d) => d.id),
    };
  });
};
