// POST /v1/attachments, GET /v1/attachments/:domain/:id — encrypted attachments: uploaded as ciphertext to the
// sender's provider; fetched by any signed-in user through their own provider, which asks the uploader's provider
// (proxyDownload) when the attachment lives elsewhere. The key and hash travel inside the encrypted message.
import { isDomain, randomId } from '@parley/protocol';
import { Type } from 'typebox';
import type { Route } from '../../context.js';
import { ApiError } from '../../errors.js';

const Params = Type.Object({
  domain: Type.String({ minLength: 1, maxLength: 253 }),
  id: Type.String({ pattern: '^[a-z2-7]{26}$' }),
});

export const attachments: Route = (app, ctx) => {
  const limit = ctx.config.attachments.maxBytes;
  app.register(async (scope) => {
    scope.addContentTypeParser(
      'application/octet-stream',
      { parseAs: 'buffer', bodyLimit: limit },
      (_r, body, done) => done(null, body),
    );
    scope.post('/v1/attachments', { bodyLimit: limit }, async (request, reply) => {
      const me = await ctx.auth.fromRequest(request);
      if (!Buffer.isBuffer(request.body) || request.body.length === 0) {
        throw new ApiError('invalidRequest', 'Send the encrypted attachment as application/octet-stream.');
      }
      const id = randomId();
      const data = new Uint8Array(request.body.buffer, request.body.byteOffset, request.body.byteLength);
      await ctx.storage.attachments.put({ id, owner: me.handle, data, createdAt: ctx.now() });
      return reply.code(201).send({
        id,
        domain: ctx.config.domain,
        url: `mimi://${ctx.config.domain}/attachment/${id}`,
        size: data.byteLength,
      });
    });
  });

  app.get('/v1/attachments/:domain/:id', { schema: { params: Params } }, async (request, reply) => {
    await ctx.auth.fromRequest(request);
    const { domain, id } = request.params as { domain: string; id: string };
    let data: Uint8Array | undefined;
    if (domain === ctx.config.domain) {
      data = (await ctx.storage.attachments.get(id))?.data;
    } else {
      if (!isDomain(domain) || !ctx.federation.peers.base(domain)) {
        throw new ApiError('notFound', 'There is no such attachment.');
      }
      data = await ctx.remote.download(domain, id);
    }
    if (!data) throw new ApiError('notFound', 'There is no such attachment.');
    return reply
      .header('content-type', 'application/octet-stream')
      .header('cache-control', 'private, max-age=31536000, immutable')
      .send(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });
};
