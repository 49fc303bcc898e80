// POST /v1/rooms/:roomId/commits, POST /v1/rooms/:roomId/proposals, GET /v1/rooms/:roomId/groupinfo —
// MLS handshakes of encrypted rooms, checked by this provider as the room's hub.
import { inspectGroupInfo } from '@parley/crypto';
import { MAX_HANDSHAKE_BYTES, RoomParams, SubmitCommit, SubmitProposal } from '@parley/protocol';
import { type Context, decodeBase64, type Route } from '../../context.js';
import type { HandshakeSubmission } from '../../delivery/handshakes.js';
import { ApiError } from '../../errors.js';

/** A GroupInfo with a large tree, a Welcome and a commit in base64 all fit. */
const bodyLimit = 4 * Math.ceil(MAX_HANDSHAKE_BYTES / 3) * 3 + 64 * 1024;

/**
 * A device's commit or proposal: checked and stored here when this provider is the room's hub, relayed to the hub
 * otherwise (its answer decides the epoch).
 */
async function submitHandshake(ctx: Context, submission: HandshakeSubmission) {
  const hub = await ctx.hub.hubOf(submission.room);
  if (hub) {
    // Members read before relaying: the hub's notify of this very commit may be applied here before its answer.
    const adds = submission.kind === 'commit' && submission.groupInfo !== undefined;
    const before = adds ? await ctx.storage.rooms.getRoom(submission.room) : undefined;
    const stored = await ctx.remote.handshake({ ...submission, hub });
    if (adds) await consentToAdded(ctx, submission, new Set(before?.members.map((m) => m.handle)));
    return stored;
  }
  const result = await ctx.hub.handshake(ctx.mls, ctx.config.domain, submission, ctx.peerUsers);
  ctx.streams.wake(result.added);
  // Whom our user adds is no stranger to them: a later room from that user is no request here.
  for (const added of result.added.filter((m) => m.includes('@'))) {
    await ctx.storage.federation.setConsent(submission.handle, added, 'accepted', ctx.now());
  }
  const first = result.messages[0]!;
  return { seq: first.seq, ts: first.ts, epoch: result.room.epoch };
}

/**
 * A commit our user made in a room hubbed elsewhere, which the hub accepted: whom it adds is no stranger to our
 * user, as when this provider is the hub. Read from the GroupInfo of the epoch it leads to (our user's device
 * uploaded it, the hub checked it against the commit), its members less those the room had before.
 */
async function consentToAdded(ctx: Context, submission: HandshakeSubmission, before: Set<string>) {
  if (!submission.groupInfo) return;
  const info = await inspectGroupInfo(ctx.mls, submission.groupInfo);
  if (!info.ok) return;
  const added = new Set(
    info.members
      .map((m) => ctx.remote.memberKey(m.userUri))
      .filter((key): key is string => key?.includes('@') === true && !before.has(key)),
  );
  for (const user of added)
    await ctx.storage.federation.setConsent(submission.handle, user, 'accepted', ctx.now());
}

export const handshakes: Route = (app, ctx) => {
  app.post(
    '/v1/rooms/:roomId/commits',
    { bodyLimit, schema: { params: RoomParams, body: SubmitCommit } },
    async (request, reply) => {
      const me = await ctx.auth.fromRequest(request);
      const { roomId } = request.params as { roomId: string };
      const body = request.body as SubmitCommit;
      const stored = await submitHandshake(ctx, {
        room: roomId,
        handle: me.handle,
        deviceId: me.device.id,
        kind: 'commit',
        message: decodeBase64(body.commit),
        groupInfo: decodeBase64(body.groupInfo),
        welcome: body.welcome === undefined ? undefined : decodeBase64(body.welcome),
      });
      return reply.code(201).send({ room: roomId, ...stored });
    },
  );

  app.post(
    '/v1/rooms/:roomId/proposals',
    { bodyLimit, schema: { params: RoomParams, body: SubmitProposal } },
    async (request, reply) => {
      const me = await ctx.auth.fromRequest(request);
      const { roomId } = request.params as { roomId: string };
      const { seq, ts } = await submitHandshake(ctx, {
        room: roomId,
        handle: me.handle,
        deviceId: me.device.id,
        kind: 'proposal',
        message: decodeBase64((request.body as SubmitProposal).proposal),
      });
      return reply.code(201).send({ room: roomId, seq, ts });
    },
  );

  app.get('/v1/rooms/:roomId/groupinfo', { schema: { params: RoomParams } }, async (request) => {
    const me = await ctx.auth.fromRequest(request);
    const { roomId } = request.params as { roomId: string };
    const room = await ctx.storage.rooms.getRoom(roomId);
    // Members' devices only, the new ones included (they join by external commit).
    if (!room?.members.some((m) => m.handle === me.handle && !m.pending))
      throw new ApiError('noSuchRoom', 'There is no such room.');
    if (room.room.hub) {
      const remote = await ctx.remote.groupInfo(roomId, room.room.hub, me.handle);
      return {
        room: roomId,
        epoch: remote.epoch,
        groupInfo: Buffer.from(remote.groupInfo).toString('base64'),
      };
    }
    const info = await ctx.storage.rooms.groupInfo(roomId);
    if (!info) throw new ApiError('forbidden', 'This room is not encrypted.');
    return { room: roomId, epoch: info.epoch, groupInfo: Buffer.from(info.groupInfo).toString('base64') };
  });
};
