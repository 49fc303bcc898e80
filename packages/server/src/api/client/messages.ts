// POST /v1/rooms/:roomId/messages, GET /v1/rooms/:roomId/messages — submit an opaque payload; read a room.
import { MAX_PAGE, Page, RoomParams, randomId, Submit } from '@parley/protocol';
import { decodeBase64, type Route } from '../../context.js';
import { messageView } from '../../delivery/views.js';
import { ApiError } from '../../errors.js';

export const messages: Route = (app, ctx) => {
  app.post(
    '/v1/rooms/:roomId/messages',
    { schema: { params: RoomParams, body: Submit } },
    async (request, reply) => {
      const me = await ctx.auth.fromRequest(request);
      const { roomId } = request.params as { roomId: string };
      const body = request.body as Submit;
      const hub = await ctx.hub.hubOf(roomId);
      if (hub) {
        // Another provider orders this room: durably queued here first, then forwarded to the hub.
        const room = await ctx.storage.rooms.getRoom(roomId);
        if (!room?.members.some((m) => m.handle === me.handle && !m.pending)) {
          throw new ApiError('noSuchRoom', 'There is no such room.');
        }
        const clientId = body.clientId ?? randomId();
        const sent = await ctx.remote.submit({
          room: roomId,
          hub,
          handle: me.handle,
          deviceId: me.device.id,
          clientId,
          payload: decodeBase64(body.payload),
        });
        if (sent.queued) return reply.code(202).send({ room: roomId, queued: true, clientId });
        // Sent again after a lost answer, it is stored once at the hub, which says so.
        return reply
          .code(sent.duplicate ? 200 : 201)
          .send({ room: roomId, seq: sent.seq, ts: sent.ts, duplicate: sent.duplicate });
      }
      // Answered only after the payload is durably committed (the hub stores before it returns).
      const result = await ctx.hub.submit({
        room: roomId,
        handle: me.handle,
        deviceId: me.device.id,
        payload: decodeBase64(body.payload),
        ...(body.clientId === undefined ? {} : { clientId: body.clientId }),
      });
      // A clientId is unique per device, not per room: a duplicate names the room it was first stored in.
      const { room, seq, ts } = result.message;
      return reply.code(result.duplicate ? 200 : 201).send({ room, seq, ts, duplicate: result.duplicate });
    },
  );

  app.get(
    '/v1/rooms/:roomId/messages',
    { schema: { params: RoomParams, querystring: Page } },
    async (request) => {
      const me = await ctx.auth.fromRequest(request);
      const { roomId } = request.params as { roomId: string };
      const { after = 0, limit = 100 } = request.query as { after?: number; limit?: number };
      const read = await ctx.storage.rooms.read(
        roomId,
        me.handle,
        after,
        Math.min(limit, MAX_PAGE),
        me.device.id,
      );
      if (!read.ok) throw new ApiError('noSuchRoom', 'There is no such room.');
      return {
        messages: read.messages.map((m) => messageView(ctx.config.domain, m)),
        more: read.messages.length === limit,
      };
    },
  );
};
