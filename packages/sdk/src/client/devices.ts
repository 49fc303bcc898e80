// A user's new device joins the user's existing rooms. Two paths, so that it works whoever is online:
//
// 1. The new device itself, on start: for every room the provider lists for its user that it has no group for,
//    it fetches the room's GroupInfo and joins by external commit (`joinExternal`). Needs no other device.
// 2. The user's other devices, on start, on every stream (re)connection and on `checkDevices()`: for every room
//    whose group lacks one of the user's devices, the device of that user with the lowest leaf index in the
//    group claims the missing devices' KeyPackages and adds them with a Welcome. The same device removes leaves
//    of the user's devices that the provider no longer lists (signed out, deleted).
//
// Both are ordinary commits: if they race, one wins the epoch and the other, rebuilt after catching up, finds the
// device present and commits nothing.
import { exportGroupInfo, joinExternal, members, ownLeafIndex, removeMembers } from '@parley/crypto';
import { isTransient, SdkError } from '../errors.js';
import type { RoomRecord } from '../store/types.js';
import { wipe } from '../util/bytes.js';
import { commitToRoom, withEpochRetry } from './commit.js';
import { claimKeyPackages } from './keyPackages.js';
import { memberUsers } from './membership.js';
import { addClaimed } from './rooms.js';
import { loadGroup, persist, type Session } from './session.js';

/** Joins, by external commit, the rooms of this user that this device is not in. Returns the rooms joined. */
export async function joinOwnRooms(s: Session): Promise<string[]> {
  const joined: string[] = [];
  for (const { id } of await s.api.rooms()) {
    // A room this device knows was joined, or left, or this device was removed from it: not rejoined here.
    if ((await s.store.room(id)) || (await loadGroup(s, id))) continue;
    try {
      if (await joinByExternalCommit(s, id)) joined.push(id);
    } catch (error) {
      if (isTransient(error)) throw error;
      // The hub may refuse (not a member user any more, no GroupInfo): path 2 or nothing.
      s.events.emit({
        type: 'error',
        room: id,
        error: error instanceof Error ? error : new Error(String(error)),
      });
    }
  }
  return joined;
}

async function joinByExternalCommit(s: Session, room: string): Promise<boolean> {
  return withEpochRetry(s, room, async () => {
    if (await loadGroup(s, room)) return false; // a Welcome came first
    const [{ groupInfo }, view] = await Promise.all([s.api.groupInfo(room), s.api.room(room)]);
    const out = await joinExternal(s.ctx, { groupInfo, device: s.device });
    const accepted = await s.api.submitCommit(room, {
      commit: out.commit,
      groupInfo: await exportGroupInfo(s.ctx, out.state),
    });
    const record: RoomRecord = {
      id: room,
      uri: view.uri,
      kind: view.kind === 'direct' ? 'direct' : 'group',
      members: memberUsers(out.state),
      active: true,
    };
    // Messages before the join are not readable by this device: start the room at the commit.
    await persist(s, { rooms: [record], positions: [{ room, seq: accepted.seq }] }, [[room, out.state]]);
    wipe(out.wipe);
    s.events.emit({ type: 'joined', room, kind: record.kind, members: record.members });
    return true;
  });
}

/**
 * Brings this user's devices in each room in line with the devices the provider lists, in the rooms where this
 * device is the user's lowest leaf: missing devices are added, devices no longer listed are removed. Returns the
 * rooms changed.
 *
 * @example
 * await reconcileOwnDevices(session); // after the user signed in on a new phone
 */
export async function reconcileOwnDevices(s: Session): Promise<string[]> {
  const devices = (await s.api.user(s.me.address)).devices;
  if (!devices.includes(s.me.deviceId)) return []; // this device is being signed out itself
  const changed: string[] = [];
  for (const record of await s.store.rooms()) {
    if (!record.active || record.leaving) continue;
    const state = await loadGroup(s, record.id);
    if (!state) continue;
    const mine = members(state).filter((m) => m.userUri === s.me.uri);
    if (Math.min(...mine.map((m) => m.leafIndex)) !== ownLeafIndex(state)) continue;
    const present = new Set(mine.map((m) => m.deviceId));
    const missing = devices.filter((d) => !present.has(d));
    const gone = new Set(mine.filter((m) => !devices.includes(m.deviceId)).map((m) => m.deviceId));
    try {
      if (gone.size > 0) {
        const seq = await commitToRoom(s, record.id, async (now) => {
          const leaves = members(now)
            .filter((m) => m.userUri === s.me.uri && gone.has(m.deviceId))
            .map((m) => m.leafIndex);
          return leaves.length === 0 ? undefined : removeMembers(s.ctx, now, leaves);
        });
        if (seq !== undefined) changed.push(record.id);
      }
      if (missing.length === 0) continue;
      const claimed = await claimKeyPackages(s, s.me.address, [...present]);
      if ((await addClaimed(s, record.id, claimed)) && !changed.includes(record.id)) changed.push(record.id);
    } catch (error) {
      if (error instanceof SdkError && error.code === 'commitConflict') continue;
      throw error;
    }
  }
  return changed;
}
