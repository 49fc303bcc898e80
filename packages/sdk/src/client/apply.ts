// What one room message does to this device: the handlers of the receive path, one per kind. Each returns an
// Outcome (what to store, what to emit, what to do next) and changes nothing itself, so the caller can store it
// in one transaction together with the new position.
import {
  type GroupState,
  joinFromWelcome,
  members,
  ownLeafIndex,
  processMessage,
  type Received,
} from '@parley/crypto';
import { decodeContent, type MessageView, messageId, roomUri } from '@parley/protocol';
import { fromContent } from '../content/mapping.js';
import { isTransient, SdkError } from '../errors.js';
import type { RoomKind, RoomRecord, StoreBatch } from '../store/types.js';
import { equalBytes, sha256, toHex } from '../util/bytes.js';
import type { ClientEvent } from './events.js';
import { eventOf, indexEntry, roomAfter } from './intents.js';
import { bundleForWelcome } from './keyPackages.js';
import { adoptOwnCommit, hasPendingProposals, membershipChange, memberUsers } from './membership.js';
import { addressOf } from './names.js';
import type { FollowUp, Session } from './session.js';

export interface Outcome {
  batch: StoreBatch;
  states: [string, GroupState | null][];
  events: ClientEvent[];
  followUps: FollowUp[];
  wipe: Uint8Array[];
}

export const nothing = (): Outcome => ({ batch: {}, states: [], events: [], followUps: [], wipe: [] });

/** The room's URI and kind from its provider; if it will not say, the URI its hub would give it. */
async function roomView(s: Session, m: MessageView): Promise<{ uri: string; kind: RoomKind }> {
  try {
    const view = await s.api.room(m.room);
    return { uri: view.uri, kind: view.kind === 'direct' ? 'direct' : 'group' };
  } catch (error) {
    if (isTransient(error)) throw error;
    return { uri: roomUri(m.sender.slice(m.sender.indexOf('@') + 1), m.room), kind: 'group' };
  }
}

/** A Welcome: join the group if it is addressed to one of this device's KeyPackages. */
export async function onWelcome(
  s: Session,
  m: MessageView,
  payload: Uint8Array,
  state: GroupState | undefined,
  record: RoomRecord | undefined,
): Promise<Outcome> {
  if (state && record?.active) return nothing();
  const found = await bundleForWelcome(s, payload);
  if (!found) return nothing();
  const joined = await joinFromWelcome(s.ctx, { welcome: payload, keyPackage: found.bundle });
  const view = await roomView(s, m);
  const room: RoomRecord = {
    id: m.room,
    uri: view.uri,
    kind: view.kind,
    members: memberUsers(joined.state),
    active: true,
    ...(record?.name ? { name: record.name } : {}),
  };
  return {
    batch: { rooms: [room], deleteKeyPackages: found.bundle.lastResort ? [] : [found.ref] },
    states: [[m.room, joined.state]],
    events: [{ type: 'joined', room: m.room, kind: room.kind, members: room.members }],
    followUps: [{ type: 'topUpKeyPackages' }],
    wipe: joined.wipe,
  };
}

/**
 * A handshake or application message this device sent itself. MLS cannot process one's own commit, and the state
 * after it was kept when it was made; if the hub's answer was lost, that kept state is adopted now. An application
 * message was indexed when sent; if the provider had queued it, the echo brings its `seq` and `ts`.
 */
export async function onOwnEcho(s: Session, m: MessageView, payload: Uint8Array): Promise<Outcome> {
  const pending = s.pendingCommits.get(m.room);
  if (m.kind === 'commit' && pending && equalBytes(pending.commit, payload)) {
    s.pendingCommits.delete(m.room);
    await adoptOwnCommit(s, m.room, pending.before, pending.state, m.seq);
  }
  const out = nothing();
  if (m.kind !== 'application') return out;
  const waiting = await s.store.queued(m.room);
  if (waiting.length === 0) return out;
  const digest = toHex(await sha256(payload));
  const sent = waiting.find((r) => r.queued === digest);
  if (sent) {
    const { queued: _, ...rest } = sent;
    out.batch.messages = [{ ...rest, seq: m.seq, ts: m.ts }];
  }
  return out;
}

/** Whether this device is the one to commit pending proposals: the lowest leaf that no proposal removes. */
function isDesignatedCommitter(state: GroupState): boolean {
  const removed = new Set<number>();
  for (const { proposal } of Object.values(state.unappliedProposals)) {
    if (proposal.proposalType === 'remove') removed.add(proposal.remove.removed);
  }
  const leaves = members(state)
    .map((m) => m.leafIndex)
    .filter((leaf) => !removed.has(leaf));
  return leaves.length > 0 && Math.min(...leaves) === ownLeafIndex(state);
}

/** A commit, proposal or application message of the group. */
export async function onGroupMessage(
  s: Session,
  m: MessageView,
  payload: Uint8Array,
  state: GroupState,
  record: RoomRecord,
): Promise<Outcome> {
  const got = await processMessage(s.ctx, state, payload);
  if (got.kind === 'application') return onApplication(m, got, record);
  const out = nothing();
  out.wipe = got.wipe;
  if (got.kind === 'proposal') {
    out.states.push([m.room, got.state]);
    if (hasPendingProposals(got.state) && isDesignatedCommitter(got.state))
      out.followUps.push({ type: 'commitPending', room: m.room });
    return out;
  }
  // A commit from another device settles the epoch: a commit of ours still waiting for an answer lost.
  s.pendingCommits.delete(m.room);
  const { added, removed } = membershipChange(state, got.state);
  const by = got.sender ? addressOf(got.sender.userUri) : undefined;
  if (got.removedSelf) {
    out.states.push([m.room, null]);
    out.batch.rooms = [{ ...record, members: [], active: false, leaving: false }];
  } else {
    out.states.push([m.room, got.state]);
    out.batch.rooms = [{ ...record, members: memberUsers(got.state) }];
    if (record.leaving) out.followUps.push({ type: 'reproposeLeave', room: m.room });
  }
  if (added.length > 0 || removed.length > 0)
    out.events.push({ type: 'membership', room: m.room, seq: m.seq, ...(by ? { by } : {}), added, removed });
  return out;
}

async function onApplication(
  m: MessageView,
  got: Extract<Received, { kind: 'application' }>,
  record: RoomRecord,
): Promise<Outcome> {
  const out = nothing();
  out.states.push([m.room, got.state]);
  out.wipe = got.wipe;
  const senderUri = got.sender.userUri;
  const sender = addressOf(senderUri);
  // The provider names the sender too; MLS authenticated one. They must agree.
  if (sender !== m.sender) {
    out.events.push({
      type: 'error',
      room: m.room,
      seq: m.seq,
      error: new SdkError(
        'rejectedMessage',
        `seq ${m.seq}: sent by ${sender}, delivered as from ${m.sender}`,
      ),
    });
    return out;
  }
  const content = decodeContent(got.plaintext);
  const ext = content.extensions;
  if (
    (ext.senderUri !== undefined && ext.senderUri !== senderUri) ||
    (ext.roomUri !== undefined && ext.roomUri !== record.uri)
  ) {
    out.events.push({
      type: 'error',
      room: m.room,
      seq: m.seq,
      error: new SdkError('rejectedMessage', `seq ${m.seq}: content names another sender or room`),
    });
    return out;
  }
  const intent = fromContent(content);
  if (!intent) return out;
  const id = toHex(await messageId(senderUri, record.uri, got.plaintext));
  const meta = { id, room: m.room, seq: m.seq, ts: m.ts, sender, device: got.sender.deviceId };
  const entry = indexEntry(intent, meta);
  if (entry) out.batch.messages = [entry];
  const room = roomAfter(intent, record);
  if (room) out.batch.rooms = [room];
  out.events.push(eventOf(intent, meta));
  return out;
}
