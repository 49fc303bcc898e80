import { type Kysely, sql } from 'kysely';
import type {
  AppendInput,
  AppendResult,
  HandshakeInput,
  HandshakeResult,
  MemberRecord,
  MemberRole,
  MembershipResult,
  PendingRoom,
  ReadResult,
  RoomKind,
  RoomRecord,
  RoomStore,
  StoredMessage,
} from '../types.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;
export type Flavor = 'sqlite' | 'postgres';

/** Every room column but the GroupInfo, which only the hub's checks read. */
const roomColumns = ['id', 'kind', 'creator', 'last_seq', 'created_at', 'encrypted', 'epoch'] as const;

const toRoom = (row: Omit<Database['rooms'], 'group_info'>): RoomRecord => ({
  id: row.id,
  kind: row.kind as RoomKind,
  creator: row.creator,
  lastSeq: Number(row.last_seq),
  createdAt: Number(row.created_at),
  encrypted: Number(row.encrypted) === 1,
  epoch: Number(row.epoch),
});

const toMessage = (row: Database['messages']): StoredMessage => ({
  room: row.room_id,
  seq: Number(row.seq),
  kind: row.kind as StoredMessage['kind'],
  toDevice: row.to_device,
  sender: row.sender,
  device: row.device_id,
  ts: Number(row.ts),
  payload: new Uint8Array(row.payload.buffer, row.payload.byteOffset, row.payload.byteLength),
});

export class SqlRooms implements RoomStore {
  constructor(
    private readonly db: Db,
    private readonly flavor: Flavor,
  ) {}

  /** Reads the room row, locking it until the transaction ends where the database has row locks. */
  private async lockRoom(trx: Db, roomId: string) {
    let query = trx.selectFrom('rooms').select(roomColumns).where('id', '=', roomId);
    if (this.flavor === 'postgres') query = query.forUpdate();
    const row = await query.executeTakeFirst();
    return row && toRoom(row);
  }

  private async members(trx: Db, roomId: string): Promise<MemberRecord[]> {
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

  private async missingUser(trx: Db, handles: string[]) {
    if (handles.length === 0) return undefined;
    const found = await trx.selectFrom('users').select('handle').where('handle', 'in', handles).execute();
    const known = new Set(found.map((r) => r.handle));
    return handles.find((h) => !known.has(h));
  }

  /** Adds members at the room's present and starts their devices' cursors there. */
  private async join(trx: Db, room: RoomRecord, handles: string[], role: MemberRole) {
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
  private async leave(trx: Db, room: RoomRecord, handle: string) {
    const member = await trx
      .selectFrom('room_members')
      .select('joined_seq')
      .where('room_id', '=', room.id)
      .where('handle', '=', handle)
      .executeTakeFirst();
    if (!member) return;
    await trx
      .deleteFrom('room_members')
      .where('room_id', '=', room.id)
      .where('handle', '=', handle)
      .execute();
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
  private async readable(roomId: string, handle: string) {
    const member = await this.db
      .selectFrom('room_members')
      .innerJoin('rooms', 'rooms.id', 'room_members.room_id')
      .select(['room_members.joined_seq', 'rooms.last_seq'])
      .where('room_members.room_id', '=', roomId)
      .where('room_members.handle', '=', handle)
      .executeTakeFirst();
    if (member) return { from: Number(member.joined_seq), to: Number(member.last_seq), current: true };
    const gone = await this.db
      .selectFrom('room_departures')
      .select(['joined_seq', 'left_seq'])
      .where('room_id', '=', roomId)
      .where('handle', '=', handle)
      .executeTakeFirst();
    return gone && { from: Number(gone.joined_seq), to: Number(gone.left_seq), current: false };
  }

  async createRoom(
    room: { id: string; kind: RoomKind; creator: string; createdAt: number; groupInfo?: Uint8Array },
    members: string[],
  ): Promise<MembershipResult> {
    return this.db.transaction().execute(async (trx) => {
      const { groupInfo, ...fields } = room;
      const others = groupInfo ? [] : [...new Set(members)].filter((h) => h !== room.creator);
      const missing = await this.missingUser(trx, [room.creator, ...others]);
      if (missing) return { ok: false, reason: 'noSuchUser', detail: missing };
      const record: RoomRecord = { ...fields, lastSeq: 0, encrypted: groupInfo !== undefined, epoch: 0 };
      await trx
        .insertInto('rooms')
        .values({
          id: room.id,
          kind: room.kind,
          creator: room.creator,
          last_seq: 0,
          created_at: room.createdAt,
          encrypted: groupInfo ? 1 : 0,
          epoch: 0,
          group_info: groupInfo ?? null,
        })
        .execute();
      await this.join(trx, record, [room.creator], 'owner');
      await this.join(trx, record, others, 'member');
      return {
        ok: true,
        room: record,
        members: await this.members(trx, room.id),
        changed: [room.creator, ...others],
      };
    });
  }

  async getRoom(id: string) {
    const row = await this.db.selectFrom('rooms').select(roomColumns).where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    return { room: toRoom(row), members: await this.members(this.db, id) };
  }

  async roomsOf(handle: string) {
    const rows = await this.db
      .selectFrom('rooms')
      .innerJoin('room_members', 'room_members.room_id', 'rooms.id')
      .select(roomColumns.map((c) => `rooms.${c}` as const))
      .where('room_members.handle', '=', handle)
      .orderBy('rooms.created_at')
      .orderBy('rooms.id')
      .execute();
    return rows.map(toRoom);
  }

  async addMembers(roomId: string, actor: string, handles: string[]): Promise<MembershipResult> {
    return this.db.transaction().execute(async (trx) => {
      const room = await this.lockRoom(trx, roomId);
      if (!room) return { ok: false, reason: 'noSuchRoom' };
      const current = await this.members(trx, roomId);
      if (!current.some((m) => m.handle === actor)) return { ok: false, reason: 'notMember' };
      if (room.kind === 'direct') return { ok: false, reason: 'forbidden', detail: 'direct' };
      if (room.encrypted) return { ok: false, reason: 'forbidden', detail: 'encrypted' };
      const missing = await this.missingUser(trx, handles);
      if (missing) return { ok: false, reason: 'noSuchUser', detail: missing };
      const present = new Set(current.map((m) => m.handle));
      const added = [...new Set(handles)].filter((h) => !present.has(h));
      await this.join(trx, room, added, 'member');
      return { ok: true, room, members: await this.members(trx, roomId), changed: added };
    });
  }

  async removeMember(roomId: string, actor: string, handle: string): Promise<MembershipResult> {
    return this.db.transaction().execute(async (trx) => {
      const room = await this.lockRoom(trx, roomId);
      if (!room) return { ok: false, reason: 'noSuchRoom' };
      const current = await this.members(trx, roomId);
      const actorRecord = current.find((m) => m.handle === actor);
      if (!actorRecord) return { ok: false, reason: 'notMember' };
      if (room.encrypted) return { ok: false, reason: 'forbidden', detail: 'encrypted' };
      if (actor !== handle && actorRecord.role !== 'owner') return { ok: false, reason: 'forbidden' };
      if (!current.some((m) => m.handle === handle))
        return { ok: false, reason: 'noSuchUser', detail: handle };
      await this.leave(trx, room, handle);
      return { ok: true, room, members: await this.members(trx, roomId), changed: [handle] };
    });
  }

  async append(input: AppendInput): Promise<AppendResult> {
    return this.db.transaction().execute(async (trx): Promise<AppendResult> => {
      // The room row lock orders concurrent submits: sequences are handed out in commit order, without gaps.
      const room = await this.lockRoom(trx, input.room);
      if (!room) return { ok: false, reason: 'noSuchRoom' };
      if (input.clientId !== undefined) {
        const seen = await trx
          .selectFrom('messages')
          .selectAll()
          .where('device_id', '=', input.device)
          .where('client_id', '=', input.clientId)
          .executeTakeFirst();
        if (seen) return { ok: true, message: toMessage(seen), duplicate: true };
      }
      const member = await trx
        .selectFrom('room_members')
        .select('handle')
        .where('room_id', '=', input.room)
        .where('handle', '=', input.sender)
        .executeTakeFirst();
      if (!member) return { ok: false, reason: 'notMember' };
      const seq = room.lastSeq + 1;
      // The room lock does not cover the same clientId racing into another room: the unique index decides, and
      // the loser answers with the winner's message instead of failing.
      const inserted = await trx
        .insertInto('messages')
        .values({
          room_id: input.room,
          seq,
          sender: input.sender,
          device_id: input.device,
          client_id: input.clientId ?? null,
          kind: 'application',
          to_device: null,
          payload: input.payload,
          ts: input.ts,
        })
        .onConflict((oc) => oc.columns(['device_id', 'client_id']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
        const winner = await trx
          .selectFrom('messages')
          .selectAll()
          .where('device_id', '=', input.device)
          .where('client_id', '=', input.clientId!)
          .executeTakeFirstOrThrow();
        return { ok: true, message: toMessage(winner), duplicate: true };
      }
      await trx.updateTable('rooms').set({ last_seq: seq }).where('id', '=', input.room).execute();
      const message: StoredMessage = {
        room: input.room,
        seq,
        kind: 'application',
        toDevice: null,
        sender: input.sender,
        device: input.device,
        ts: input.ts,
        payload: input.payload,
      };
      return { ok: true, message, duplicate: false };
    });
  }

  async groupInfo(roomId: string) {
    const row = await this.db
      .selectFrom('rooms')
      .select(['epoch', 'group_info'])
      .where('id', '=', roomId)
      .executeTakeFirst();
    return row?.group_info
      ? { epoch: Number(row.epoch), groupInfo: new Uint8Array(row.group_info) }
      : undefined;
  }

  async applyHandshake(input: HandshakeInput): Promise<HandshakeResult> {
    return this.db.transaction().execute(async (trx): Promise<HandshakeResult> => {
      const room = await this.lockRoom(trx, input.room);
      if (!room) return { ok: false, reason: 'noSuchRoom' };
      if (!room.encrypted) return { ok: false, reason: 'notEncrypted' };
      const member = await trx
        .selectFrom('room_members')
        .select('handle')
        .where('room_id', '=', input.room)
        .where('handle', '=', input.sender)
        .executeTakeFirst();
      if (!member) return { ok: false, reason: 'notMember' };
      if (room.epoch !== input.epoch) return { ok: false, reason: 'staleEpoch' };
      const stored: StoredMessage[] = [];
      const store = async (kind: StoredMessage['kind'], payload: Uint8Array, toDevice: string | null) => {
        const seq = room.lastSeq + 1;
        room.lastSeq = seq;
        await trx
          .insertInto('messages')
          .values({
            room_id: input.room,
            seq,
            sender: input.sender,
            device_id: input.device,
            client_id: null,
            kind,
            to_device: toDevice,
            payload,
            ts: input.ts,
          })
          .execute();
        stored.push({
          room: input.room,
          seq,
          kind,
          toDevice,
          sender: input.sender,
          device: input.device,
          ts: input.ts,
          payload,
        });
      };
      await store(input.kind, input.payload, null);
      if (input.next) {
        room.epoch = input.next.epoch;
        const current = new Set((await this.members(trx, input.room)).map((m) => m.handle));
        const removed = input.next.removeUsers.filter((h) => current.has(h));
        for (const handle of removed) await this.leave(trx, room, handle);
        await this.join(
          trx,
          room,
          input.next.addUsers.filter((h) => !current.has(h)),
          'member',
        );
      }
      for (const device of input.welcome?.devices ?? [])
        await store('welcome', input.welcome!.payload, device);
      await trx
        .updateTable('rooms')
        .set({
          last_seq: room.lastSeq,
          epoch: room.epoch,
          ...(input.next ? { group_info: input.next.groupInfo } : {}),
        })
        .where('id', '=', input.room)
        .execute();
      return { ok: true, messages: stored, room, members: await this.members(trx, input.room) };
    });
  }

  async read(
    roomId: string,
    reader: string,
    after: number,
    limit: number,
    device?: string,
  ): Promise<ReadResult> {
    const range = await this.readable(roomId, reader);
    if (!range || (!range.current && after >= range.to)) {
      const room = await this.db.selectFrom('rooms').select('id').where('id', '=', roomId).executeTakeFirst();
      return { ok: false, reason: room ? 'notMember' : 'noSuchRoom' };
    }
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('room_id', '=', roomId)
      .where('seq', '>', Math.max(after, range.from))
      .where('seq', '<=', range.to)
      .where((eb) =>
        device
          ? eb.or([eb('to_device', 'is', null), eb('to_device', '=', device)])
          : eb('to_device', 'is', null),
      )
      .orderBy('seq')
      .limit(limit)
      .execute();
    return { ok: true, messages: rows.map(toMessage) };
  }

  /** The device's cursors with where each ends: the room's end for members, the removal for former ones. */
  private async cursorsWithEnds(db: Db, deviceId: string, rooms?: string[]) {
    let query = db
      .selectFrom('device_cursors as c')
      .innerJoin('rooms as r', 'r.id', 'c.room_id')
      .innerJoin('devices as d', 'd.id', 'c.device_id')
      .leftJoin('room_members as m', (j) =>
        j.onRef('m.room_id', '=', 'c.room_id').onRef('m.handle', '=', 'd.handle'),
      )
      .leftJoin('room_departures as x', (j) =>
        j.onRef('x.room_id', '=', 'c.room_id').onRef('x.handle', '=', 'd.handle'),
      )
      .select(['c.room_id', 'c.seq', 'r.last_seq', 'm.handle as member', 'x.left_seq'])
      .where('c.device_id', '=', deviceId);
    if (rooms) query = query.where('c.room_id', 'in', rooms);
    const rows = await query.orderBy('c.room_id').execute();
    return rows.map((r) => ({
      room: r.room_id,
      cursor: Number(r.seq),
      member: r.member !== null,
      end: r.member !== null ? Number(r.last_seq) : r.left_seq === null ? Number(r.seq) : Number(r.left_seq),
    }));
  }

  async pending(deviceId: string): Promise<PendingRoom[]> {
    const cursors = await this.cursorsWithEnds(this.db, deviceId);
    return cursors
      .filter((c) => c.end > c.cursor)
      .map((c) => ({ room: c.room, cursor: c.cursor, lastSeq: c.end }));
  }

  async ack(deviceId: string, acks: { room: string; seq: number }[]) {
    if (acks.length === 0) return;
    // Keep the highest acknowledgement per room: one write each, inside one transaction.
    const highest = new Map<string, number>();
    for (const { room, seq } of acks) highest.set(room, Math.max(seq, highest.get(room) ?? 0));
    await this.db.transaction().execute(async (trx) => {
      for (const c of await this.cursorsWithEnds(trx, deviceId, [...highest.keys()])) {
        const seq = Math.min(highest.get(c.room)!, c.end);
        const done = trx
          .deleteFrom('device_cursors')
          .where('device_id', '=', deviceId)
          .where('room_id', '=', c.room);
        // A former member's device that has read up to its removal is done with the room.
        if (!c.member && seq >= c.end) await done.execute();
        else if (seq > c.cursor) {
          await trx
            .updateTable('device_cursors')
            .set({ seq })
            .where('device_id', '=', deviceId)
            .where('room_id', '=', c.room)
            .where('seq', '<', seq)
            .execute();
        }
      }
    });
  }

  async prune(olderThan: number) {
    return this.db.transaction().execute(async (trx) => {
      // A room nobody's device follows any more is acknowledged by all (vacuously).
      const acknowledged = await trx
        .deleteFrom('messages')
        .where(({ eb, selectFrom, fn }) =>
          eb(
            'seq',
            '<=',
            fn.coalesce(
              selectFrom('device_cursors')
                .select((s) => s.fn.min('device_cursors.seq').as('floor'))
                .whereRef('device_cursors.room_id', '=', 'messages.room_id'),
              sql.lit(Number.MAX_SAFE_INTEGER),
            ),
          ),
        )
        .executeTakeFirst();
      const expired = await trx.deleteFrom('messages').where('ts', '<', olderThan).executeTakeFirst();
      return Number(acknowledged.numDeletedRows) + Number(expired.numDeletedRows);
    });
  }
}
