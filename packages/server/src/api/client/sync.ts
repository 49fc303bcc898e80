// POST /v1/sync, POST /v1/ack — catch-up across every room of the device, and delivery acknowledgements.
import { Acks, type MessageView, Sync } from '@parley/protocol';
import type { Route } from '../../context.js';
import { messageView } from '../../delivery/views.js';

export const sync: Route = (app, ctx) => {
  app.post('/v1/sync', { schema: { body: Sync } }, async (request) => {
    const me = await ctx.auth.fromRequest(request);
    const { since = {}, limit = 100 } = request.body as Sync;
    const out: MessageView[] = [];
    let more = false;
    for (const pending of await ctx.storage.rooms.pending(me.device.id)) {
      const from = Math.max(since[pending.room] ?? 0, pending.cursor);
      if (from >= pending.lastSeq) continue;
      if (out.length >= limit) {
        more = true;
        break;
      }
      const read = await ctx.storage.rooms.read(
        pending.room,
        me.handle,
        from,
        limit - out.length,
        me.device.id,
      );
      if (!read.ok) continue;
      for (const m of read.messages) out.push(messageView(ctx.config.domain, m));
      if (read.messages.length > 0 && read.messages.at(-1)!.seq < pending.lastSeq) more = true;
    }
    return { messages: out, more };
  });

  app.post('/v1/ack', { schema: { body: Acks } }, async (request, reply) => {
    const me = await ctx.auth.fromRequest(request);
    await ctx.storage.rooms.ack(me.device.id, (request.body as Acks).acks);
    return reply.code(204).send();
  });
};
