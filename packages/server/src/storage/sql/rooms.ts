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
      .insertInto('device_cursors')
      .columns(['device_id', 'room_id', 'seq'])
      .expression((eb) =>
        eb
          .selectFrom('devices')
          .select(['devices.id', eb.val(room.id).as('room_id'), eb.val(room.lastSeq).as('seq')])
          .where('devices.handle', 'in', handles),
      )
      .execute();
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
      await trx
        .deleteFrom('room_members')
        .where('room_id', '=', roomId)
        .where('handle', '=', handle)
        .execute();
      await trx
        .deleteFrom('device_cursors')
        .where('room_id', '=', roomId)
        .where('device_id', 'in', (eb) => eb.selectFrom('devices').select('id').where('handle', '=', handle))
        .execute();
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
        for (const handle of removed) {
          await trx
            .deleteFrom('room_members')
            .where('room_id', '=', input.room)
            .where('handle', '=', handle)
            .execute();
          await trx
            .deleteFrom('device_cursors')
            .where('room_id', '=', input.room)
            .where('device_id', 'in', (eb) =>
              eb.selectFrom('devices').select('id').where('handle', '=', handle),
            )
            .execute();
        }
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
    const member = await this.db
      .selectFrom('room_members')
      .select('joined_seq')
      .where('room_id', '=', roomId)
      .where('handle', '=', reader)
      .executeTakeFirst();
    if (!member) {
      const room = await this.db.selectFrom('rooms').select('id').where('id', '=', roomId).executeTakeFirst();
      return { ok: false, reason: room ? 'notMember' : 'noSuchRoom' };
    }
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('room_id', '=', roomId)
      .where('seq', '>', Math.max(after, Number(member.joined_seq)))
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

  async pending(deviceId: string): Promise<PendingRoom[]> {
    const rows = await this.db
      .selectFrom('device_cursors')
      .innerJoin('rooms', 'rooms.id', 'device_cursors.room_id')
      .select(['device_cursors.room_id', 'device_cursors.seq', 'rooms.last_seq'])
      .where('device_cursors.device_id', '=', deviceId)
      .whereRef('rooms.last_seq', '>', 'device_cursors.seq')
      .orderBy('device_cursors.room_id')
      .execute();
    return rows.map((r) => ({ room: r.room_id, cursor: Number(r.seq), lastSeq: Number(r.last_seq) }));
  }

  async ack(deviceId: string, acks: { room: string; seq: number }[]) {
    if (acks.length === 0) return;
    // Keep the highest acknowledgement per room: one update each, inside one transaction.
    const highest = new Map<string, number>();
    for (const { room, seq } of acks) highest.set(room, Math.max(seq, highest.get(room) ?? 0));
    await this.db.transaction().execute(async (trx) => {
      const rooms = await trx
        .selectFrom('rooms')
        .select(['id', 'last_seq'])
        .where('id', 'in', [...highest.keys()])
        .execute();
      for (const { id, last_seq } of rooms) {
        const seq = Math.min(highest.get(id)!, Number(last_seq));
        await trx
          .updateTable('device_cursors')
          .set({ seq })
          .where('device_id', '=', deviceId)
          .where('room_id', '=', id)
          .where('seq', '<', seq)
          .execute();
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
