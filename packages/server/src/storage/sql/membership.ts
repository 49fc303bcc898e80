/**
 * The membership mechanics plain and encrypted rooms share: row shapes, locking a room, listing, joining and
 * leaving members, and how far a (former) member may read.
 */
import type { Kysely } from 'kysely';
import type { MemberRecord, MemberRole, RoomKind, RoomRecord, RoomState, StoredMessage } from '../types.js';
import type { Database } from './schema.js';
import { type Flavor, Statement } from './statement.js';

export type { Flavor } from './statement.js';

type Db = Kysely<Database>;

/** Every room column but the GroupInfo, which only the hub's checks read. */
export const roomColumns = [
  'id',
  'kind',
  'creator',
  'last_seq',
  'created_at',
  'encrypted',
  'epoch',
  'hub',
  'salt',
] as const;

export const toRoom = (row: Omit<Database['rooms'], 'group_info'>): RoomRecord => ({
  id: row.id,
  kind: row.kind as RoomKind,
  creator: row.creator,
  lastSeq: Number(row.last_seq),
  createdAt: Number(row.created_at),
  encrypted: Number(row.encrypted) === 1,
  epoch: Number(row.epoch),
  hub: row.hub,
  salt: row.salt,
});

/** `room_members.pending`: an ordinary member; one in their Requests; one who declined or blocked (held back). */
export const ACTIVE = 0;
export const PENDING = 1;
export const HELD_BACK = 2;

/** Member keys without `@` are this provider's users. */
export const isLocal = (member: string) => !member.includes('@');
/** The provider of a member key: the address's domain, or undefined for a local handle. */
export const domainOf = (member: string) =>
  isLocal(member) ? undefined : member.slice(member.indexOf('@') + 1);

export const toMessage = (row: Database['messages']): StoredMessage => ({
  room: row.room_id,
  seq: Number(row.seq),
  kind: row.kind as StoredMessage['kind'],
  toDevice: row.to_device,
  toUser: row.to_user,
  sender: row.sender,
  device: row.device_id,
  ts: Number(row.ts),
  payload: new Uint8Array(row.payload.buffer, row.payload.byteOffset, row.payload.byteLength),
  ...(row.state ? { state: JSON.parse(row.state) as RoomState } : {}),
});

const IS_MEMBER = new Statement<{ handle: string }>(
  `select "handle" from "room_members" where "room_id" = ? and "handle" = ? and "pending" = ${ACTIVE}`,
);

/** Whether the user is a member of the room now. */
export async function isMember(db: Db, flavor: Flavor, roomId: string, handle: string): Promise<boolean> {
  return (await IS_MEMBER.first(db, flavor, [roomId, handle])) !== undefined;
}

const ROOM = `select ${roomColumns.map((c) => `"${c}"`).join(', ')} from "rooms" where "id" = ?`;
const LOCK_ROOM = new Statement<Omit<Database['rooms'], 'group_info'>>(ROOM, `${ROOM} for update`);

/** Reads the room row, locking it until the transaction ends where the database has row locks. */
export async function lockRoom(trx: Db, roomId: string, flavor: Flavor) {
  const row = await LOCK_ROOM.first(trx, flavor, [roomId]);
  return row && toRoom(row);
}

const MEMBERS = new Statement<{ handle: string; role: string; joined_seq: number; pending: number }>(
  'select "handle", "role", "joined_seq", "pending" from "room_members" where "room_id" = ? order by "handle"',
);

export async function membersOf(trx: Db, flavor: Flavor, roomId: string): Promise<MemberRecord[]> {
  const rows = await MEMBERS.all(trx, flavor, [roomId]);
  return rows.map((r) => ({
    handle: r.handle,
    role: r.role as MemberRole,
    joinedSeq: Number(r.joined_seq),
    ...(Number(r.pending) !== 0 ? { pending: true } : {}),
  }));
}

/** The first local handle that names no user here (users of other providers are not checked here). */
export async function missingUser(trx: Db, handles: string[]) {
  const local = handles.filter(isLocal);
  if (local.length === 0) return undefined;
  const found = await trx.selectFrom('users').select('handle').where('handle', 'in', local).execute();
  const known = new Set(found.map((r) => r.handle));
  return local.find((h) => !known.has(h));
}

/**
 * How a local user added by `inviter` joins: at once, in Requests (`pending`) when the inviter is a user of
 * another provider they have not accepted, or not at all when they blocked the inviter.
 */
async function admission(trx: Db, handle: string, inviter: string | undefined) {
  if (!isLocal(handle) || inviter === undefined || isLocal(inviter)) return 'join' as const;
  const consent = await trx
    .selectFrom('consent')
    .select('state')
    .where('owner', '=', handle)
    .where('peer', '=', inviter)
    .executeTakeFirst();
  if (consent?.state === 'accepted') return 'join' as const;
  return consent?.state === 'blocked' ? ('refuse' as const) : ('pending' as const);
}

/**
 * Adds members at the room's present and starts their local devices' cursors there. A local user added by a
 * stranger of another provider waits in Requests instead (no cursors until accepted); one who blocked the
 * inviter is not added here at all.
 */
export async function join(trx: Db, room: RoomRecord, handles: string[], role: MemberRole, inviter?: string) {
  if (handles.length === 0) return;
  const rows = [];
  const active: string[] = [];
  for (const handle of handles) {
    const how = await admission(trx, handle, inviter);
    // A refused member stays on the list (the group has their devices; the room must not look different to the
    // inviter), held back for good: nothing is delivered, nothing is asked.
    const pending = how === 'pending' ? PENDING : how === 'refuse' ? HELD_BACK : ACTIVE;
    rows.push({
      room_id: room.id,
      handle,
      role,
      joined_seq: room.lastSeq,
      pending,
      invited_by: how === 'join' ? null : (inviter ?? null),
    });
    if (how === 'join' && isLocal(handle)) active.push(handle);
  }
  if (rows.length === 0) return;
  await trx.insertInto('room_members').values(rows).execute();
  await startCursors(trx, room.id, active, room.lastSeq);
}

/** Starts (or restarts) the cursors of the users' devices in the room at `seq`; clears their departures. */
export async function startCursors(trx: Db, roomId: string, handles: string[], seq: number) {
  if (handles.length === 0) return;
  const room = { id: roomId, lastSeq: seq };
  await trx
    .deleteFrom('room_departures')
    .where('room_id', '=', room.id)
    .where('handle', 'in', handles)
    .execute();
  // A returning member's devices may still hold cursors from before: they restart at the present.
  await trx
    .insertInto('device_cursors')
    .columns(['device_id', 'room_id', 'seq'])
    .expression((eb) =>
      eb
        .selectFrom('devices')
        .select(['devices.id', eb.val(room.id).as('room_id'), eb.val(room.lastSeq).as('seq')])
        .where('devices.handle', 'in', handles),
    )
    .onConflict((oc) => oc.columns(['device_id', 'room_id']).doUpdateSet({ seq: room.lastSeq }))
    .execute();
}

/**
 * Ends a membership at the room's present. The user's devices keep their cursors, so they still receive what
 * was sent while they were in — the removing commit included — and let go of the room once they have read it.
 */
export async function leave(trx: Db, room: RoomRecord, handle: string) {
  const member = await trx
    .selectFrom('room_members')
    .select('joined_seq')
    .where('room_id', '=', room.id)
    .where('handle', '=', handle)
    .executeTakeFirst();
  if (!member) return;
  await trx.deleteFrom('room_members').where('room_id', '=', room.id).where('handle', '=', handle).execute();
  await trx
    .insertInto('room_departures')
    .values({ room_id: room.id, handle, joined_seq: Number(member.joined_seq), left_seq: room.lastSeq })
    .onConflict((oc) =>
      oc
        .columns(['room_id', 'handle'])
        .doUpdateSet({ joined_seq: Number(member.joined_seq), left_seq: room.lastSeq }),
    )
    .execute();
}

/** How far a user may read: to the end while a member, to the removal after; undefined if never a member. */
export async function readable(db: Db, roomId: string, handle: string) {
  const member = await db
    .selectFrom('room_members')
    .innerJoin('rooms', 'rooms.id', 'room_members.room_id')
    .select(['room_members.joined_seq', 'rooms.last_seq'])
    .where('room_members.room_id', '=', roomId)
    .where('room_members.handle', '=', handle)
    .where('room_members.pending', '=', 0)
    .executeTakeFirst();
  if (member) return { from: Number(member.joined_seq), to: Number(member.last_seq), current: true };
  const gone = await db
    .selectFrom('room_departures')
    .select(['joined_seq', 'left_seq'])
    .where('room_id', '=', roomId)
    .where('handle', '=', handle)
    .executeTakeFirst();
  return gone && { from: Number(gone.joined_seq), to: Number(gone.left_seq), current: false };
}
