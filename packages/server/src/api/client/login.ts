// POST /v1/sessions — sign in: every sign-in is a new device with its own revocable token.
import { Credentials, formatAddress, randomId } from '@parley/protocol';
import { dummyHash, verifyPassword } from '../../auth/password.js';
import { hashToken, newToken } from '../../auth/tokens.js';
import { type Route, tooMany } from '../../context.js';
import { ApiError } from '../../errors.js';

export const login: Route = (app, ctx) => {
  app.post('/v1/sessions', { schema: { body: Credentials } }, async (request, reply) => {
    const body = request.body as Credentials;
    for (const key of [`ip:${request.ip}`, `handle:${body.handle}`]) {
      const limited = ctx.limits.login.take(key);
      if (!limited.ok) throw tooMany(limited.retryAfterMs);
    }
    const user = await ctx.storage.accounts.getUser(body.handle);
    // Unknown handles cost a full hash too, so timing does not tell which handles exist.
    const stored = user?.passwordHash ?? (await dummyHash(ctx.config.passwords.scryptLogN));
    const matches = await verifyPassword(body.password, stored);
    if (!user || !matches) throw new ApiError('badCredentials', 'Wrong handle or password.');
    const token = newToken();
    const deviceId = randomId();
    const added = await ctx.storage.accounts.addDevice(user.handle, {
      id: deviceId,
      name: body.deviceName ?? 'New device',
      tokenHash: hashToken(token),
      createdAt: ctx.now(),
    });
    if (!added.ok) throw new ApiError('badCredentials', 'Wrong handle or password.');
    ctx.streams.wake([user.handle]);
    request.log.info({ deviceId }, 'device signed in');
    return reply.code(201).send({
      user: formatAddress({ handle: user.handle, domain: ctx.config.domain }),
      deviceId,
      token,
    });
  });
};
