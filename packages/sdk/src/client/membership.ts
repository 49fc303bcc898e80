// Who is in a room, as the MLS group says: users are members while one of their devices holds a leaf.
import { type GroupState, isActive, members } from '@parley/crypto';
import { usersOf } from './names.js';
import { persist, type Session } from './session.js';

/** The user addresses of a group's members, sorted. */
export function memberUsers(state: GroupState): string[] {
  return isActive(state) ? usersOf(members(state)) : [];
}

/** Users who joined and left between two states of a group. */
export function membershipChange(
  before: GroupState,
  after: GroupState,
): { added: string[]; removed: string[] } {
  const was = new Set(memberUsers(before));
  const is = new Set(memberUsers(after));
  return { added: [...is].filter((u) => !was.has(u)), removed: [...was].filter((u) => !is.has(u)) };
}

/** True when a group state holds proposals that a commit must carry before anyone may send. */
export function hasPendingProposals(state: GroupState): boolean {
  return Object.keys(state.unappliedProposals).length > 0;
}

/**
 * Stores the state after this device's own accepted commit (caller holds the room lock) and reports the
 * membership change it made.
 */
export async function adoptOwnCommit(
  s: Session,
  room: string,
  before: GroupState,
  after: GroupState,
  seq: number,
): Promise<void> {
  const record = await s.store.room(room);
  const rooms = record ? [{ ...record, members: memberUsers(after) }] : [];
  await persist(s, { rooms }, [[room, after]]);
  const { added, removed } = membershipChange(before, after);
  if (added.length > 0 || removed.length > 0)
    s.events.emit({ type: 'membership', room, seq, by: s.me.address, added, removed });
}
