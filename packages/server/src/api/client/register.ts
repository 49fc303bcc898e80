// POST /v1/accounts — create an account and its first device; answers the device's token once.
import { Credentials, checkHandle, formatAddress, randomId } from '@parley/protocol';
import { Type } from 'typebox';
import { hashPassword } from '../../auth/password.js';
import { hashToken, newToken } from '../../auth/tokens.js';
import { type Route, tooMany } from '../../context.js';
import { ApiError } from '../../errors.js';

// The handle's length is left to checkHandle, which names the problem (handleTooShort, handleTooLong) where the
// schema could only say invalidRequest.
const Registration = Type.Object(
  { ...Credentials.properties, handle: Type.String({ maxLength: 1024 }) },
  { additionalProperties: false },
);

export const register: Route = (app, ctx) => {
  app.post('/v1/accounts', { schema: { body: Registration } }, async (request, reply) => {
    const body = request.body as Credentials;
    const limited = ctx.limits.register.take(`ip:${request.ip}`);
    if (!limited.ok) throw tooMany(limited.retryAfterMs);
    const handle = checkHandle(body.handle);
    if (!handle.ok) throw new ApiError(handle.code, handle.message);
    const { minLength } = ctx.config.passwords;
    if ([...body.password].length < minLength) {
      throw new ApiError('passwordTooShort', `A password has at least ${minLength} characters.`);
    }
    const token = newToken();
    const deviceId = randomId();
    const now = ctx.now();
    const result = await ctx.storage.accounts.register(
      {
        handle: handle.handle,
        passwordHash: await hashPassword(body.password, ctx.config.passwords.scryptLogN),
        createdAt: now,
      },
      { id: deviceId, name: body.deviceName ?? 'First device', tokenHash: hashToken(token), createdAt: now },
    );
    if (!result.ok) throw new ApiError('handleTaken', `The handle "${handle.handle}" is taken.`);
    request.log.info({ deviceId }, 'account created');
    return reply.code(201).send({
      user: formatAddress({ handle: handle.handle, domain: ctx.config.domain }),
      deviceId,
      token,
    });
  });
};
