// POST /v1/keypackages, GET /v1/keypackages/count, POST /v1/keypackages/claim — the opaque KeyPackage store.
import { ClaimKeyPackages, formatAddress, UploadKeyPackages } from '@parley/protocol';
import { decodeBase64, memberRef, type Route } from '../../context.js';
import { ApiError } from '../../errors.js';

export const keyPackages: Route = (app, ctx) => {
  // A full batch (100 packages of up to 16 KiB, in base64) is larger than the default body limit.
  const bodyLimit = 4 * 1024 * 1024;
  app.post('/v1/keypackages', { bodyLimit, schema: { body: UploadKeyPackages } }, async (request, reply) => {
    const me = await ctx.auth.fromRequest(request);
    const body = request.body as UploadKeyPackages;
    await ctx.storage.keyPackages.upload(
      me.handle,
      me.device.id,
      body.keyPackages.map(decodeBase64),
      body.lastResort === undefined ? undefined : decodeBase64(body.lastResort),
      ctx.now(),
    );
    return reply.code(201).send(await ctx.storage.keyPackages.count(me.device.id));
  });

  app.get('/v1/keypackages/count', async (request) => {
    const me = await ctx.auth.fromRequest(request);
    return ctx.storage.keyPackages.count(me.device.id);
  });

  app.post('/v1/keypackages/claim', { schema: { body: ClaimKeyPackages } }, async (request) => {
    const me = await ctx.auth.fromRequest(request);
    const body = request.body as { user: string; devices?: string[] };
    const member = memberRef(ctx, body.user);
    if (member.includes('@')) {
      const keyPackages = await ctx.remote.claim(me.handle, member, body.devices);
      return { user: member, keyPackages };
    }
    const handle = member;
    if (!(await ctx.storage.accounts.getUser(handle)))
      throw new ApiError('noSuchUser', 'There is no such user here.');
    const claimed = await ctx.storage.keyPackages.claim(handle, {
      devices: body.devices,
      except: me.device.id,
    });
    return {
      user: formatAddress({ handle, domain: ctx.config.domain }),
      keyPackages: claimed.map((k) => ({
        deviceId: k.deviceId,
        keyPackage: Buffer.from(k.keyPackage).toString('base64'),
        lastResort: k.lastResort,
      })),
    };
  });
};
