// Rooms are MLS groups. The creator makes the group, registers the room with its GroupInfo, then adds everyone
// (their devices' KeyPackages, and the creator's own other devices) in one commit. Membership changes only by
// commit: adding and removing users are commits of this device; leaving is a proposal another member commits.
import {
  addMembers,
  createGroup,
  exportGroupInfo,
  leaveGroup,
  members,
  ownLeafIndex,
  removeMembers,
} from '@parley/crypto';
import { SdkError } from '../errors.js';
import type { RoomKind, RoomRecord } from '../store/types.js';
import { wipe } from '../util/bytes.js';
import { commitToRoom, withEpochRetry } from './commit.js';
import { type Claimed, claimKeyPackages } from './keyPackages.js';
import { memberUsers } from './membership.js';
import { addressOf, canonicalAddress, uriOf } from './names.js';
import { sendIntent } from './send.js';
import { persist, requireGroup, type Session } from './session.js';

export interface CreateRoomInput {
  kind: RoomKind;
  /** The other users, as addresses (`bob@b.example`) or handles of this provider. */
  members: string[];
  name?: string;
}

/**
 * Creates an encrypted room with `members` and returns its record. A direct room has exactly one other member.
 * Every member user needs at least one device with a KeyPackage on offer (`noKeyPackages` otherwise).
 *
 * @example
 * const room = await createRoom(session, { kind: 'group', members: ['bob@a.example', 'carol@c.example'], name: 'Ops' });
 */
export async function createRoom(s: Session, input: CreateRoomInput): Promise<RoomRecord> {
  const others = [...new Set(input.members.map((m) => canonicalAddress(m, s.me.domain)))].filter(
    (u) => u !== s.me.address,
  );
  if (input.kind === 'direct' && others.length !== 1)
    throw new SdkError('invalidRequest', 'a direct room has exactly one other member');
  const created = await createGroup(s.ctx, s.device);
  const view = await s.api.createRoom({
    kind: input.kind,
    groupInfo: await exportGroupInfo(s.ctx, created.state),
  });
  const record: RoomRecord = {
    id: view.id,
    uri: view.uri,
    kind: input.kind,
    members: [s.me.address],
    active: true,
    ...(input.name ? { name: input.name } : {}),
  };
  await s.locks.run(view.id, () => persist(s, { rooms: [record] }, [[view.id, created.state]]));
  wipe(created.wipe);
  await addUsers(s, view.id, others, { includeOwnDevices: true });
  return (await s.store.room(view.id)) ?? record;
}

/**
 * Adds users (all their devices) to a room in one commit; with `includeOwnDevices`, also this user's other
 * devices that are not in the group yet. When the room has a name, it is announced again for the newcomers.
 *
 * @example
 * await addUsers(session, roomId, ['dave@d.example']);
 */
export async function addUsers(
  s: Session,
  room: string,
  users: string[],
  options: { includeOwnDevices?: boolean } = {},
): Promise<void> {
  await requireGroup(s, room);
  const claimed: Claimed[] = [];
  for (const user of users.map((u) => canonicalAddress(u, s.me.domain))) {
    if (user === s.me.address) continue;
    const got = await claimKeyPackages(s, user);
    if (got.length === 0) throw new SdkError('noKeyPackages', `${user} has no device to add`);
    claimed.push(...got);
  }
  if (options.includeOwnDevices) claimed.push(...(await claimKeyPackages(s, s.me.address, [s.me.deviceId])));
  await addClaimed(s, room, claimed);
}

/** Commits the claimed devices that are not members yet; returns whether a commit was made. */
export async function addClaimed(s: Session, room: string, claimed: Claimed[]): Promise<boolean> {
  if (claimed.length === 0) return false;
  const seq = await commitToRoom(s, room, async (state) => {
    const present = new Set(members(state).map((m) => `${m.userUri} ${m.deviceId}`));
    const fresh = claimed.filter((c) => !present.has(`${uriOf(c.user)} ${c.deviceId}`));
    return fresh.length === 0
      ? undefined
      : addMembers(
          s.ctx,
          state,
          fresh.map((c) => c.keyPackage),
        );
  });
  if (seq === undefined) return false;
  const record = await s.store.room(room);
  if (record?.name) await sendIntent(s, room, { type: 'roomInfo', name: record.name });
  return true;
}

/**
 * Removes users (every device of each) from a room. To remove yourself, use {@link leaveRoom}.
 *
 * @example
 * await removeUsers(session, roomId, ['bob@b.example']);
 */
export async function removeUsers(s: Session, room: string, users: string[]): Promise<void> {
  const uris = new Set(users.map((u) => uriOf(u, s.me.domain)));
  if (uris.has(s.me.uri)) throw new SdkError('invalidRequest', 'to remove yourself, leave the room');
  await commitToRoom(s, room, async (state) => {
    const leaves = members(state)
      .filter((m) => uris.has(m.userUri))
      .map((m) => m.leafIndex);
    return leaves.length === 0 ? undefined : removeMembers(s.ctx, state, leaves);
  });
}

/**
 * Leaves a room: this user's other devices are removed by a commit of this device, then this device proposes its
 * own removal, which the next member to commit carries (MLS does not let a member commit its own removal). Until
 * then the room is marked `leaving` and no longer sends.
 *
 * @example
 * await leaveRoom(session, roomId);
 */
export async function leaveRoom(s: Session, room: string): Promise<void> {
  await commitToRoom(s, room, async (state) => {
    const mine = members(state)
      .filter((m) => m.userUri === s.me.uri && m.leafIndex !== ownLeafIndex(state))
      .map((m) => m.leafIndex);
    return mine.length === 0 ? undefined : removeMembers(s.ctx, state, mine);
  });
  await proposeLeave(s, room);
}

/** Proposes this device's removal (again), unless it is the last member or a proposal is pending already. */
export async function proposeLeave(s: Session, room: string): Promise<void> {
  await withEpochRetry(s, room, async () => {
    const record = await s.store.room(room);
    const state = await requireGroup(s, room);
    if (!record?.active) return;
    if (members(state).length === 1) {
      await persist(s, { rooms: [{ ...record, active: false, leaving: false, members: [] }] }, [
        [room, null],
      ]);
      return;
    }
    const mine = Object.values(state.unappliedProposals).some(
      (p) => p.proposal.proposalType === 'remove' && p.proposal.remove.removed === ownLeafIndex(state),
    );
    if (mine && record.leaving) return;
    const out = await leaveGroup(s.ctx, state);
    await s.api.submitProposal(room, out.proposal);
    await persist(s, { rooms: [{ ...record, leaving: true }] }, [[room, out.state]]);
    wipe(out.wipe);
  });
}

/** The room's devices (MLS leaves) as this device's group says: what a safety view shows. */
export async function roomDevices(s: Session, room: string): Promise<{ user: string; deviceId: string }[]> {
  return members(await requireGroup(s, room)).map((m) => ({
    user: addressOf(m.userUri),
    deviceId: m.deviceId,
  }));
}

/** The room's members as this device's group says, for display. */
export async function roomMembers(s: Session, room: string): Promise<string[]> {
  return memberUsers(await requireGroup(s, room));
}
