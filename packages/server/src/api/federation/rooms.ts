// POST /federation/v1/notify, /submitMessage, /fetchMessages, /groupInfo — rooms across providers: the hub tells
// followers what it ordered, followers hand their devices' messages to the hub, and fetch what they missed.
import { Type } from 'typebox';
import type { Context } from '../../context.js';
import { tooMany } from '../../context.js';
import { ApiError } from '../../errors.js';
import type { ItemResult } from '../../federation/outbox.js';
import {
  FetchMessages,
  fromBase64,
  type HandshakeItem,
  messageToWire,
  Notify,
  type SubmitItem,
  SubmitMessage,
  type WireMessage,
} from '../../federation/wire.js';
import { type FederatedRoute, uriDomain } from './inbound.js';

/** Payload bytes per fetchMessages answer (base64 adds a third; peers accept 8 MiB answers by default). */
const FETCH_PAGE_BYTES = 4 * 1024 * 1024;

/**
 * A transaction is applied once: a repeat is answered as applied, with the results it had then unknown. `apply`
 * remembers it in its own commit when it can (`remembered`); otherwise it is remembered here.
 */
async function once(
  ctx: Context,
  origin: string,
  txn: string,
  count: number,
  apply: () => Promise<{ results: ItemResult[]; remembered: boolean }>,
): Promise<{ results: ItemResult[] }> {
  if (await ctx.storage.federation.seen(origin, txn)) {
    return { results: Array.from({ length: count }, () => ({ ok: true as const })) };
  }
  const { results, remembered } = await apply();
  // Remembered only when applied whole: a transaction with an item that must come again (a gap not filled
  // yet) is applied afresh when it does — its items are idempotent by themselves.
  if (!remembered && results.every((r) => r.ok)) {
    await ctx.storage.federation.remember(origin, txn, ctx.now());
  }
  return { results };
}

/** Every remote sender of a transaction takes a token first; one over its limit defers the whole transaction. */
function limitSenders(ctx: Context, senders: string[]): void {
  for (const sender of senders) {
    const taken = ctx.limits.sender.take(sender);
    if (!taken.ok) throw tooMany(taken.retryAfterMs);
  }
}

async function submitOne(
  ctx: Context,
  origin: string,
  item: SubmitItem | HandshakeItem,
): Promise<ItemResult> {
  const sender = ctx.remote.memberKey(item.sender);
  if (sender === undefined || uriDomain(item.sender) !== origin) {
    return { ok: false, code: 'foreignSender', message: 'The sender is not a user of the signing provider.' };
  }
  try {
    if ('kind' in item) {
      const result = await ctx.hub.handshake(
        ctx.mls,
        ctx.config.domain,
        {
          room: item.room,
          handle: sender,
          deviceId: item.device,
          kind: item.kind,
          message: fromBase64(item.message),
          groupInfo: item.groupInfo === undefined ? undefined : fromBase64(item.groupInfo),
          welcome: item.welcome === undefined ? undefined : fromBase64(item.welcome),
        },
        ctx.peerUsers,
      );
      ctx.streams.wake(result.added);
      const first = result.messages[0]!;
      return { ok: true, seq: first.seq, ts: first.ts };
    }
    const result = await ctx.hub.submit({
      room: item.room,
      handle: sender,
      deviceId: item.device,
      payload: fromBase64(item.payload),
      // Scoped to the provider: another provider's clientId can never collide with, or reveal, one of ours.
      clientId: `${origin}/${item.clientId}`,
    });
    return {
      ok: true,
      seq: result.message.seq,
      ts: result.message.ts,
      ...(result.duplicate ? { duplicate: true } : {}),
    };
  } catch (error) {
    if (error instanceof ApiError && error.status < 500) {
      // Outsiders learn nothing about a room, not even whether it exists.
      const code = error.code === 'notMember' || error.code === 'forbidden' ? 'noSuchRoom' : error.code;
      return { ok: false, code, message: error.message };
    }
    throw error;
  }
}

export const federatedRooms: FederatedRoute = (scope, ctx) => {
  scope.post('/notify', { schema: { body: Notify } }, async (request) => {
    const origin = request.federation!.origin;
    const { txn, items } = request.body as { txn: string; items: WireMessage[] };
    const out = await once(ctx, origin, txn, items.length, () =>
      ctx.remote.receive(origin, items, { id: txn, at: ctx.now() }),
    );
    ctx.metrics.federationReceived.inc({ endpoint: 'notify' }, items.length);
    return out;
  });

  scope.post('/submitMessage', { schema: { body: SubmitMessage } }, async (request) => {
    const origin = request.federation!.origin;
    const { txn, items } = request.body as { txn: string; items: (SubmitItem | HandshakeItem)[] };
    // Only the signer's own users spend budget: naming someone else's user costs that user nothing.
    limitSenders(
      ctx,
      items.map((i) => i.sender).filter((sender) => uriDomain(sender) === origin),
    );
    void txn; // each item is idempotent by itself (the clientId), and a repeat answers with its sequence again
    const results: ItemResult[] = [];
    for (const item of items) results.push(await submitOne(ctx, origin, item));
    ctx.metrics.federationReceived.inc({ endpoint: 'submitMessage' }, items.length);
    return { results };
  });

  scope.post('/fetchMessages', { schema: { body: FetchMessages } }, async (request) => {
    const origin = request.federation!.origin;
    const { room, after, limit } = request.body as { room: string; after: number; limit: number };
    const messages = await ctx.storage.federation.history(room, origin, after, limit);
    if (!messages) throw new ApiError('noSuchRoom', 'There is no such room.');
    // A page stays well within a peer's answer limit however large the messages: the follower asks again.
    const page = [];
    let bytes = 0;
    for (const m of messages) {
      bytes += m.payload.byteLength + 512;
      if (page.length > 0 && bytes > FETCH_PAGE_BYTES) break;
      page.push(messageToWire(ctx.config.domain, m, origin));
    }
    return { messages: page };
  });

  scope.post(
    '/groupInfo',
    {
      schema: {
        body: Type.Object(
          { room: Type.String({ minLength: 1, maxLength: 128 }), requester: Type.String({ maxLength: 400 }) },
          { additionalProperties: false },
        ),
      },
      config: { senders: ['requester'] },
    },
    async (request) => {
      const { room, requester } = request.body as { room: string; requester: string };
      const member = ctx.remote.memberKey(requester);
      const found = await ctx.storage.rooms.getRoom(room);
      if (!found || found.room.hub !== null || !found.members.some((m) => m.handle === member)) {
        throw new ApiError('noSuchRoom', 'There is no such room.');
      }
      const info = await ctx.storage.rooms.groupInfo(room);
      if (!info) throw new ApiError('noSuchRoom', 'There is no such room.');
      return { room, epoch: info.epoch, groupInfo: Buffer.from(info.groupInfo).toString('base64') };
    },
  );
};
