// POST /v1/rooms/:roomId/members, DELETE /v1/rooms/:roomId/members/:member — add users, remove or leave.
import { AddMembers, MemberParams, RoomParams } from '@parley/protocol';
import { localHandle, type Route } from '../../context.js';
import { roomView } from '../../delivery/views.js';
import { ApiError } from '../../errors.js';
import type { MembershipResult } from '../../storage/types.js';

export function membershipError(result: Extract<MembershipResult, { ok: false }>): ApiError {
  switch (result.reason) {
    case 'noSuchRoom':
    case 'notMember':
      return new ApiError('noSuchRoom', 'There is no such room.');
    case 'noSuchUser':
      return new ApiError('noSuchUser', `There is no user "${result.detail ?? ''}" here.`);
    case 'forbidden':
      return new ApiError(
        'forbidden',
        result.detail === 'direct'
          ? 'A direct room keeps its two people; start a group instead.'
          : result.detail === 'encrypted'
            ? 'Members of an encrypted room change by MLS commit.'
            : 'Only the room owner can remove other members.',
      );
  }
}

export const membership: Route = (app, ctx) => {
  app.post(
    '/v1/rooms/:roomId/members',
    { schema: { params: RoomParams, body: AddMembers } },
    async (request) => {
      const me = await ctx.auth.fromRequest(request);
      const { roomId } = request.params as { roomId: string };
      const handles = (request.body as { members: string[] }).members.map((m) => localHandle(ctx, m));
      const result = await ctx.storage.rooms.addMembers(roomId, me.handle, handles);
      if (!result.ok) throw membershipError(result);
      ctx.hub.membershipChanged(roomId);
      ctx.streams.wake(result.changed);
      return { room: roomView(ctx.config.domain, result.room, result.members), added: result.changed };
    },
  );

  app.delete(
    '/v1/rooms/:roomId/members/:member',
    { schema: { params: MemberParams } },
    async (request, reply) => {
      const me = await ctx.auth.fromRequest(request);
      const { roomId, member } = request.params as { roomId: string; member: string };
      const result = await ctx.storage.rooms.removeMember(roomId, me.handle, localHandle(ctx, member));
      if (!result.ok) throw membershipError(result);
      ctx.hub.membershipChanged(roomId);
      return reply.code(204).send();
    },
  );
};
