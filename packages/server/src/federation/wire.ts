/**
 * The bodies of the server-to-server endpoints (docs/FEDERATION.md) and their translation to what storage keeps.
 * On the wire users are MIMI URIs (`mimi://b.example/u/bob`); in storage a member is a local handle (`bob`) or,
 * for a user of another provider, an address (`bob@b.example`).
 */
import { formatAddress, isDomain, parseAddress, userUri } from '@parley/protocol';
import { type Static, Type } from 'typebox';
import type { OutboxEntry, RoomState, StoredMessage } from '../storage/types.js';

/** Items per transaction. */
export const MAX_ITEMS = 200;
const Uri = Type.String({ minLength: 1, maxLength: 400 });
const Id = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:/-]+$' });
const Bytes = Type.String({ maxLength: 2_000_000 });
const Seq = Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });

export const WireState = Type.Object(
  {
    kind: Type.Union([Type.Literal('direct'), Type.Literal('group')]),
    creator: Uri,
    createdAt: Type.Integer({ minimum: 0 }),
    epoch: Type.Integer({ minimum: 0 }),
    salt: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    members: Type.Array(
      Type.Object(
        { user: Uri, role: Type.Union([Type.Literal('owner'), Type.Literal('member')]) },
        { additionalProperties: false },
      ),
      { maxItems: 10_000 },
    ),
  },
  { additionalProperties: false },
);

/** One stored message of a room, as its hub sends it to a follower. */
export const WireMessage = Type.Object(
  {
    room: Id,
    seq: Seq,
    kind: Type.Union([
      Type.Literal('application'),
      Type.Literal('commit'),
      Type.Literal('proposal'),
      Type.Literal('welcome'),
    ]),
    sender: Uri,
    device: Id,
    toDevice: Type.Optional(Id),
    toUser: Type.Optional(Uri),
    ts: Type.Integer({ minimum: 0 }),
    payload: Bytes,
    state: Type.Optional(WireState),
  },
  { additionalProperties: false },
);
export type WireMessage = Static<typeof WireMessage>;

/** A transaction id: what the outbox makes, ids and sequence numbers (`12.3-12.9-1732900000000`). */
export const Txn = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' });

export const Notify = Type.Object(
  { txn: Txn, items: Type.Array(WireMessage, { minItems: 1, maxItems: MAX_ITEMS }) },
  { additionalProperties: false },
);

/** A device's application message, forwarded by its provider to the room's hub. */
export const SubmitItem = Type.Object(
  { room: Id, sender: Uri, device: Id, clientId: Id, payload: Bytes },
  { additionalProperties: false },
);
export type SubmitItem = Static<typeof SubmitItem>;

/** A device's commit or proposal, forwarded at once (the hub's answer decides the epoch). */
export const HandshakeItem = Type.Object(
  {
    room: Id,
    sender: Uri,
    device: Id,
    kind: Type.Union([Type.Literal('commit'), Type.Literal('proposal')]),
    message: Bytes,
    groupInfo: Type.Optional(Bytes),
    welcome: Type.Optional(Bytes),
  },
  { additionalProperties: false },
);
export type HandshakeItem = Static<typeof HandshakeItem>;

export const SubmitMessage = Type.Object(
  {
    txn: Txn,
    items: Type.Array(Type.Union([SubmitItem, HandshakeItem]), { minItems: 1, maxItems: MAX_ITEMS }),
  },
  { additionalProperties: false },
);

export const FetchMessages = Type.Object(
  { room: Id, after: Type.Integer({ minimum: 0 }), limit: Type.Integer({ minimum: 1, maximum: 1000 }) },
  { additionalProperties: false },
);

export const base64 = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

export const fromBase64 = (text: string) => {
  const bytes = Buffer.from(text, 'base64');
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
};

/** A member key as a user URI. */
export function memberUri(domain: string, member: string): string {
  return userUri(parseAddress(member, domain)!);
}

/** A user URI as a member key here, or undefined when it is not a user URI. */
export function memberKey(domain: string, uri: string): string | undefined {
  const match = /^mimi:\/\/([^/]+)\/u\/([^/]+)$/.exec(uri);
  if (!match || !isDomain(match[1]!)) return undefined;
  const address = parseAddress(`${match[2]}@${match[1]}`);
  if (!address) return undefined;
  return address.domain === domain ? address.handle : formatAddress(address);
}

export function stateToWire(domain: string, state: RoomState): Static<typeof WireState> {
  return {
    kind: state.kind,
    creator: memberUri(domain, state.creator),
    createdAt: state.createdAt,
    epoch: state.epoch,
    members: state.members.map((m) => ({ user: memberUri(domain, m.handle), role: m.role })),
    ...(state.salt ? { salt: state.salt } : {}),
  };
}

/**
 * A stored message as a peer receives it. A Welcome for a device of another provider than `destination` keeps its
 * place in the sequence but not its content (the payload is empty): followers never see gaps, and a Welcome only
 * reaches the provider of the device it is for.
 */
export function messageToWire(domain: string, m: StoredMessage, destination?: string): WireMessage {
  const elsewhere =
    destination !== undefined && m.toUser != null && (m.toUser.split('@')[1] ?? domain) !== destination;
  return {
    room: m.room,
    seq: m.seq,
    kind: m.kind,
    sender: memberUri(domain, m.sender),
    device: m.device,
    ...(m.toDevice ? { toDevice: m.toDevice } : {}),
    ...(m.toUser ? { toUser: memberUri(domain, m.toUser) } : {}),
    ts: m.ts,
    payload: elsewhere ? '' : base64(m.payload),
    ...(m.state ? { state: stateToWire(domain, m.state) } : {}),
  };
}

export function notifyItem(domain: string, entry: OutboxEntry): WireMessage {
  return messageToWire(domain, entry.message!, entry.destination);
}

/** A hub's message as this provider stores it; undefined when a user URI in it cannot be read. */
export function messageFromWire(domain: string, w: WireMessage): StoredMessage | undefined {
  const sender = memberKey(domain, w.sender);
  const toUser = w.toUser === undefined ? null : memberKey(domain, w.toUser);
  if (sender === undefined || toUser === undefined) return undefined;
  let state: RoomState | undefined;
  if (w.state) {
    const creator = memberKey(domain, w.state.creator);
    const members = w.state.members.map((m) => ({ handle: memberKey(domain, m.user), role: m.role }));
    if (creator === undefined || members.some((m) => m.handle === undefined)) return undefined;
    state = {
      kind: w.state.kind,
      creator,
      createdAt: w.state.createdAt,
      epoch: w.state.epoch,
      members: members as RoomState['members'],
      ...(w.state.salt ? { salt: w.state.salt } : {}),
    };
  }
  return {
    room: w.room,
    seq: w.seq,
    kind: w.kind,
    toDevice: w.toDevice ?? null,
    toUser,
    sender,
    device: w.device,
    ts: w.ts,
    payload: fromBase64(w.payload),
    ...(state ? { state } : {}),
  };
}
