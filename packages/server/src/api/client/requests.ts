// GET /v1/requests, POST /v1/requests/{accept,decline,block}, POST /v1/reports, GET /v1/undelivered — first
// contacts from users of other providers, the user's answers to them, abuse reports, and what could not be sent.
import { type Static, Type } from 'typebox';
import { memberRef, type Route } from '../../context.js';
import { address } from '../../delivery/views.js';
import { ApiError } from '../../errors.js';

const Answer = Type.Object(
  { user: Type.String({ minLength: 1, maxLength: 300 }) },
  { additionalProperties: false },
);
const Report = Type.Object(
  {
    room: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' }),
    seq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    reason: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);

const STATE = { accept: 'accepted', decline: 'declined', block: 'blocked' } as const;

export const requests: Route = (app, ctx) => {
  app.get('/v1/requests', async (request) => {
    const me = await ctx.auth.fromRequest(request);
    const pending = await ctx.storage.federation.requests(me.handle);
    return { requests: pending.map((r) => ({ ...r, from: address(ctx.config.domain, r.from) })) };
  });

  for (const answer of ['accept', 'decline', 'block'] as const) {
    app.post(`/v1/requests/${answer}`, { schema: { body: Answer } }, async (request) => {
      const me = await ctx.auth.fromRequest(request);
      const peer = memberRef(ctx, (request.body as Static<typeof Answer>).user);
      if (!peer.includes('@')) {
        throw new ApiError('invalidRequest', 'Requests come from users of other providers.');
      }
      const rooms = await ctx.storage.federation.setConsent(me.handle, peer, STATE[answer], ctx.now());
      for (const room of rooms) ctx.hub.membershipChanged(room);
      if (answer === 'accept') {
        ctx.streams.wake([me.handle]);
        // The requester's provider learns of an acceptance only; a decline or a block is never told.
        await ctx.remote.accepted(me.handle, peer);
      }
      return { ok: true };
    });
  }

  app.post('/v1/reports', { schema: { body: Report } }, async (request, reply) => {
    const me = await ctx.auth.fromRequest(request);
    const body = request.body as Static<typeof Report>;
    // Reported after reading, the message may be pruned already: a member may report any sequence of the room.
    const room = await ctx.storage.rooms.getRoom(body.room);
    if (!room?.members.some((m) => m.handle === me.handle && !m.pending) || body.seq > room.room.lastSeq) {
      throw new ApiError('noSuchRoom', 'There is no such message in a room of yours.');
    }
    const report = { room: body.room, seq: body.seq, reason: body.reason ?? '' };
    if (room.room.hub) await ctx.remote.report(room.room.hub, { ...report, handle: me.handle });
    else await ctx.storage.federation.report({ ...report, reporter: me.handle, at: ctx.now() });
    return reply.code(202).send({ ok: true });
  });

  app.get('/v1/undelivered', async (request) => {
    const me = await ctx.auth.fromRequest(request);
    return { undelivered: await ctx.storage.federation.undeliveredFor(me.device.id) };
  });
};
