// POST /v1/rooms, GET /v1/rooms, GET /v1/rooms/:roomId — rooms this provider is the hub of.

import { inspectGroupInfo } from '@parley/crypto';
import { CreateRoom, RoomParams, userUri } from '@parley/protocol';
import { type Context, decodeBase64, localHandle, type Route } from '../../context.js';
import { roomView } from '../../delivery/views.js';
import { ApiError } from '../../errors.js';
import { newRoomId } from '../../federation/roomId.js';
import { membershipError } from './membership.js';

export const rooms: Route = (app, ctx) => {
  app.post('/v1/rooms', { schema: { body: CreateRoom } }, async (request, reply) => {
    const me = await ctx.auth.fromRequest(request);
    const body = request.body as CreateRoom;
    const kind = body.kind ?? 'group';
    const members = [...new Set(body.members.map((m) => localHandle(ctx, m)))].filter((h) => h !== me.handle);
    if (kind === 'direct' && body.groupInfo === undefined && members.length !== 1) {
      throw new ApiError('invalidRequest', 'A direct room has exactly one other member.');
    }
    const groupInfo = body.groupInfo === undefined ? undefined : decodeBase64(body.groupInfo);
    if (groupInfo) await checkNewGroup(ctx, groupInfo, me.handle, me.device.id);
    const { id, salt } = newRoomId(ctx.config.domain);
    const result = await ctx.storage.rooms.createRoom(
      { id, salt, kind, creator: me.handle, createdAt: ctx.now(), ...(groupInfo ? { groupInfo } : {}) },
      groupInfo ? [] : members,
    );
    if (!result.ok) throw membershipError(result);
    return reply.code(201).send({ room: roomView(ctx.config.domain, result.room, result.members) });
  });

  app.get('/v1/rooms', async (request) => {
    const me = await ctx.auth.fromRequest(request);
    const list = await ctx.storage.rooms.roomsOf(me.handle);
    return {
      rooms: list.map((r) => ({ id: r.id, kind: r.kind, lastSeq: r.lastSeq, createdAt: r.createdAt })),
    };
  });

  app.get('/v1/rooms/:roomId', { schema: { params: RoomParams } }, async (request) => {
    const me = await ctx.auth.fromRequest(request);
    const { roomId } = request.params as { roomId: string };
    const found = await ctx.storage.rooms.getRoom(roomId);
    // A non-member learns nothing, not even whether the room exists.
    if (!found?.members.some((m) => m.handle === me.handle && !m.pending)) {
      throw new ApiError('noSuchRoom', 'There is no such room.');
    }
    return { room: roomView(ctx.config.domain, found.room, found.members) };
  });
};

/** An encrypted room starts as a group at epoch 0 whose one leaf is the creating device. */
async function checkNewGroup(ctx: Context, groupInfo: Uint8Array, handle: string, deviceId: string) {
  const info = await inspectGroupInfo(ctx.mls, groupInfo);
  if (!info.ok) throw new ApiError('badHandshake', `The GroupInfo does not verify (${info.reason}).`);
  const [only, ...more] = info.members;
  const me = userUri({ handle, domain: ctx.config.domain });
  if (info.epoch !== 0n || more.length > 0 || only?.userUri !== me || only.deviceId !== deviceId) {
    throw new ApiError('badHandshake', 'A new encrypted room is a group at epoch 0 with this device alone.');
  }
}
