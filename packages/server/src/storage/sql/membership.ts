/**
 * The membership mechanics plain and encrypted rooms share: row shapes, locking a room, listing, joining and
 * leaving members, and how far a (former) member may read.
 */
import type { Kysely } from 'kysely';
import type { MemberRecord, MemberRole, RoomKind, RoomRecord, StoredMessage } from '../types.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;
export type Flavor = 'sqlite' | 'postgres';

/** Every room column but the GroupInfo, which only the hub's checks read. */
export const roomColumns = ['id', 'kind', 'creator', 'last_seq', 'created_at', 'encrypted', 'epoch'] as const;

export const toRoom = (row: Omit<Database['rooms'], 'group_info'>): RoomRecord => ({
  id: row.id,
  kind: row.kind as RoomKind,
  creator: row.creator,
  lastSeq: Number(row.last_seq),
  createdAt: Number(row.created_at),
  encrypted: Number(row.encrypted) === 1,
  epoch: Number(row.epoch),
});

export const toMessage = (row: Database['messages']): StoredMessage => ({
  room: row.room_id,
  seq: Number(row.seq),
  kind: row.kind as StoredMessage['kind'],
  toDevice: row.to_device,
  sender: row.sender,
  device: row.device_id,
  ts: Number(row.ts),
  payload: new Uint8Array(row.payload.buffer, row.payload.byteOffset, row.payload.byteLength),
});

/** Whether the user is a member of the room now. */
export async function isMember(db: Db, roomId: string, handle: string): Promise<boolean> {
  const row = await db
    .selectFrom('room_members')
    .select('handle')
    .where('room_id', '=', roomId)
    .where('handle', '=', handle)
    .executeTakeFirst();
  return row !== undefined;
}

/** Reads the room row, locking it until the transaction ends where the database has row locks. */
export async function lockRoom(trx: Db, roomId: string, flavor: Flavor) {
  let query = trx.selectFrom('rooms').select(roomColumns).where('id', '=', roomId);
  if (flavor === 'postgres') query = query.forUpdate();
  const row = await query.executeTakeFirst();
  return row && toRoom(row);
}

export async function membersOf(trx: Db, roomId: string): Promise<MemberRecord[]> {
  const rows = await trx
    .selectFrom('room_members')
    .select(['handle', 'role', 'joined_seq'])
    .where('room_id', '=', roomId)
    .orderBy('handle')
    .execute();
  return rows.map((r) => ({
    handle: r.handle,
    role: r.role as MemberRole,
    joinedSeq: Number(r.joined_seq),
  }));
}

export async function missingUser(trx: Db, handles: string[]) {
  if (handles.length === 0) return undefined;
  const found = await trx.selectFrom('users').select('handle').where('handle', 'in', handles).execute();
  const known = new Set(found.map((r) => r.handle));
  return handles.find((h) => !known.has(h));
}

/** Adds members at the room's present and starts their devices' cursors there. */
export async function join(trx: Db, room: RoomRecord, handles: string[], role: MemberRole) {
  if (handles.length === 0) return;
  await trx
    .insertInto('room_members')
    .values(handles.map((handle) => ({ room_id: room.id, handle, role, joined_seq: room.lastSeq })))
    .execute();
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
