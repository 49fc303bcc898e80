import type { Kysely } from 'kysely';
import type {
  AppendInput,
  AppendResult,
  FlushOptions,
  HandshakeInput,
  HandshakeResult,
  MembershipResult,
  ReadResult,
  RoomKind,
  RoomRecord,
  RoomStore,
  StoredMessage,
} from '../types.js';
import { insertMessages, LostRace, type NewRow, storedByClientId } from './append.js';
import { SqlCursors } from './cursors.js';
import { fanOut, remoteMembers } from './fanout.js';
import {
  type Flavor,
  isLocal,
  isMember,
  join,
  leave,
  lockRoom,
  membersOf,
  missingUser,
  readable,
  roomColumns,
  toMessage,
  toRoom,
} from './membership.js';
import type { Database } from './schema.js';
import { Statement } from './statement.js';
import { flushLater } from './unflushed.js';

export type { Flavor } from './membership.js';

type Db = Kysely<Database>;

const SET_LAST_SEQ = new Statement('update "rooms" set "last_seq" = ? where "id" = ?');

/** The room operations; device cursors and retention come from `SqlCursors` (cursors.ts). */
/** A clientId of the batch was already stored: the batch is rolled back and written again, looking it up. */
class SentBefore extends Error {}

export class SqlRooms extends SqlCursors implements RoomStore {
  constructor(db: Db, flavor: Flavor) {
    super(db, flavor);
  }

  async createRoom(
    room: {
      id: string;
      kind: RoomKind;
      creator: string;
      createdAt: number;
      groupInfo?: Uint8Array;
      salt?: string;
    },
    members: string[],
  ): Promise<MembershipResult> {
    return this.db.transaction().execute(async (trx) => {
      const { groupInfo, salt, ...fields } = room;
      const others = groupInfo ? [] : [...new Set(members)].filter((h) => h !== room.creator);
      const missing = await missingUser(trx, [room.creator, ...others]);
      if (missing) return { ok: false, reason: 'noSuchUser', detail: missing };
      const record: RoomRecord = {
        ...fields,
        lastSeq: 0,
        encrypted: groupInfo !== undefined,
        epoch: 0,
        hub: null,
        salt: salt ?? null,
      };
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
          salt: salt ?? null,
        })
        .execute();
      await join(trx, record, [room.creator], 'owner');
      await join(trx, record, others, 'member');
      return {
        ok: true,
        room: record,
        members: await membersOf(trx, this.flavor, room.id),
        changed: [room.creator, ...others],
      };
    });
  }

  async getRoom(id: string) {
    const row = await this.db.selectFrom('rooms').select(roomColumns).where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    return { room: toRoom(row), members: await membersOf(this.db, this.flavor, id) };
  }

  async roomsOf(handle: string) {
    const rows = await this.db
      .selectFrom('rooms')
      .innerJoin('room_members', 'room_members.room_id', 'rooms.id')
      .select(roomColumns.map((c) => `rooms.${c}` as const))
      .where('room_members.handle', '=', handle)
      .where('room_members.pending', '=', 0)
      .orderBy('rooms.created_at')
      .orderBy('rooms.id')
      .execute();
    return rows.map(toRoom);
  }

  async addMembers(roomId: string, actor: string, handles: string[]): Promise<MembershipResult> {
    return this.db.transaction().execute(async (trx) => {
      const room = await lockRoom(trx, roomId, this.flavor);
      if (!room) return { ok: false, reason: 'noSuchRoom' };
      const current = await membersOf(trx, this.flavor, roomId);
      if (!current.some((m) => m.handle === actor)) return { ok: false, reason: 'notMember' };
      if (room.kind === 'direct') return { ok: false, reason: 'forbidden', detail: 'direct' };
      if (room.encrypted) return { ok: false, reason: 'forbidden', detail: 'encrypted' };
      const missing = await missingUser(trx, handles);
      if (missing) return { ok: false, reason: 'noSuchUser', detail: missing };
      const present = new Set(current.map((m) => m.handle));
      const added = [...new Set(handles)].filter((h) => !present.has(h));
      await join(trx, room, added, 'member');
      return { ok: true, room, members: await membersOf(trx, this.flavor, roomId), changed: added };
    });
  }

  async removeMember(roomId: string, actor: string, handle: string): Promise<MembershipResult> {
    return this.db.transaction().execute(async (trx) => {
      const room = await lockRoom(trx, roomId, this.flavor);
      if (!room) return { ok: false, reason: 'noSuchRoom' };
      const current = await membersOf(trx, this.flavor, roomId);
      const actorRecord = current.find((m) => m.handle === actor);
      if (!actorRecord) return { ok: false, reason: 'notMember' };
      if (room.encrypted) return { ok: false, reason: 'forbidden', detail: 'encrypted' };
      if (actor !== handle && actorRecord.role !== 'owner') return { ok: false, reason: 'forbidden' };
      if (!current.some((m) => m.handle === handle))
        return { ok: false, reason: 'noSuchUser', detail: handle };
      await leave(trx, room, handle);
      return { ok: true, room, members: await membersOf(trx, this.flavor, roomId), changed: [handle] };
    });
  }

  async append(input: AppendInput): Promise<AppendResult> {
    return (await this.appendMany([input]))[0]!;
  }

  /**
   * Group commit: many submits, one transaction, one fsync. Each keeps its own checks and sequence number, but
   * the work is done per batch where it can be: each room is locked and each sender's membership read once, and
   * the messages and their outbox items are written as one insert each. A clientId stored before is rare (a
   * device sending again after a lost answer): the unique index finds it, and only then is the batch written
   * again, its stored clientIds looked up first.
   */
  async appendMany(inputs: AppendInput[], options: FlushOptions = {}): Promise<AppendResult[]> {
    const later = options.flushLater ?? false;
    try {
      return await this.appendBatch(inputs, false, later);
    } catch (error) {
      if (!(error instanceof SentBefore)) throw error;
      return this.appendBatch(inputs, true, later);
    }
  }

  private appendBatch(inputs: AppendInput[], lookUp: boolean, later: boolean): Promise<AppendResult[]> {
    return this.db.transaction().execute(async (trx) => {
      if (later) await flushLater(trx, this.flavor);
      const results: AppendResult[] = [];
      const rooms = new Map<string, RoomRecord | undefined>();
      const membership = new Map<string, boolean>();
      const known = lookUp ? await storedByClientId(trx, inputs) : new Map<string, StoredMessage>();
      const fresh: NewRow[] = [];
      for (const input of inputs) {
        if (!rooms.has(input.room)) rooms.set(input.room, await lockRoom(trx, input.room, this.flavor));
        // The room row lock orders concurrent submits: sequences are handed out in commit order, without gaps.
        const room = rooms.get(input.room);
        if (!room) {
          results.push({ ok: false, reason: 'noSuchRoom' });
          continue;
        }
        if (room.hub !== null) {
          results.push({ ok: false, reason: 'notHub' });
          continue;
        }
        const key = input.clientId === undefined ? undefined : `${input.device}\n${input.clientId}`;
        const earlier = key === undefined ? undefined : known.get(key);
        if (earlier) {
          results.push({ ok: true, message: earlier, duplicate: true });
          continue;
        }
        const memberKey = `${input.room}\n${input.sender}`;
        if (!membership.has(memberKey)) {
          membership.set(memberKey, await isMember(trx, this.flavor, input.room, input.sender));
        }
        if (!membership.get(memberKey)) {
          results.push({ ok: false, reason: 'notMember' });
          continue;
        }
        room.lastSeq += 1;
        const message: StoredMessage = {
          room: input.room,
          seq: room.lastSeq,
          kind: 'application',
          toDevice: null,
          sender: input.sender,
          device: input.device,
          ts: input.ts,
          payload: input.payload,
        };
        fresh.push({ message, clientId: input.clientId });
        if (key !== undefined) known.set(key, message);
        results.push({ ok: true, message, duplicate: false });
      }
      if (fresh.length === 0) return results;
      // The room lock does not cover the same clientId racing into another room (PostgreSQL, another node):
      // the unique index decides. The loser answers with the winner's message, and takes no sequence number.
      const inserted = await insertMessages(trx, this.flavor, fresh);
      if (inserted < fresh.length) {
        if (!lookUp && inputs.length > 1) throw new SentBefore(); // rolled back, written again looking up
        if (inputs.length > 1) throw new LostRace(); // the hub writes each submit again alone
        const input = inputs[0]!;
        const winner = await trx
          .selectFrom('messages')
          .selectAll()
          .where('device_id', '=', input.device)
          .where('client_id', '=', input.clientId!)
          .executeTakeFirstOrThrow();
        return [{ ok: true, message: toMessage(winner), duplicate: true }];
      }
      for (const id of new Set(fresh.map((r) => r.message.room))) {
        const room = rooms.get(id)!;
        await SET_LAST_SEQ.write(trx, this.flavor, [room.lastSeq, id]);
        await fanOut(
          trx,
          this.flavor,
          fresh.filter((r) => r.message.room === id).map((r) => r.message),
          await remoteMembers(trx, this.flavor, id),
          inputs[0]!.ts,
        );
      }
      return results;
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
      const room = await lockRoom(trx, input.room, this.flavor);
      if (!room) return { ok: false, reason: 'noSuchRoom' };
      if (room.hub !== null) return { ok: false, reason: 'notHub' };
      if (!room.encrypted) return { ok: false, reason: 'notEncrypted' };
      if (!(await isMember(trx, this.flavor, input.room, input.sender)))
        return { ok: false, reason: 'notMember' };
      if (room.epoch !== input.epoch) return { ok: false, reason: 'staleEpoch' };
      const stored: StoredMessage[] = [];
      const before = await membersOf(trx, this.flavor, input.room);
      const store = async (
        kind: StoredMessage['kind'],
        payload: Uint8Array,
        toDevice: string | null,
        toUser: string | null,
      ) => {
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
            to_user: toUser,
            state: null,
            payload,
            ts: input.ts,
          })
          .execute();
        stored.push({
          room: input.room,
          seq,
          kind,
          toDevice,
          toUser,
          sender: input.sender,
          device: input.device,
          ts: input.ts,
          payload,
        });
      };
      await store(input.kind, input.payload, null, null);
      if (input.next) {
        room.epoch = input.next.epoch;
        const current = new Set(before.map((m) => m.handle));
        const removed = input.next.removeUsers.filter((h) => current.has(h));
        for (const handle of removed) await leave(trx, room, handle);
        await join(
          trx,
          room,
          input.next.addUsers.filter((h) => !current.has(h)),
          'member',
          input.sender,
        );
      }
      for (const device of input.welcome?.devices ?? [])
        await store('welcome', input.welcome!.payload, device.id, device.user);
      await trx
        .updateTable('rooms')
        .set({
          last_seq: room.lastSeq,
          epoch: room.epoch,
          ...(input.next ? { group_info: input.next.groupInfo } : {}),
        })
        .where('id', '=', input.room)
        .execute();
      const members = await membersOf(trx, this.flavor, input.room);
      if (input.next && [...before, ...members].some((m) => !isLocal(m.handle))) {
        // Followers learn membership from the commit: the room as it is after it travels with it.
        const commit = stored[0]!;
        commit.state = {
          kind: room.kind,
          creator: room.creator,
          createdAt: room.createdAt,
          epoch: room.epoch,
          members: members.map((m) => ({ handle: m.handle, role: m.role })),
          ...(room.salt ? { salt: room.salt } : {}),
        };
        await trx
          .updateTable('messages')
          .set({ state: JSON.stringify(commit.state) })
          .where('room_id', '=', input.room)
          .where('seq', '=', commit.seq)
          .execute();
      }
      await fanOut(trx, this.flavor, stored, [...before, ...members], input.ts);
      return { ok: true, messages: stored, room, members };
    });
  }

  async read(
    roomId: string,
    reader: string,
    after: number,
    limit: number,
    device?: string,
  ): Promise<ReadResult> {
    const range = await readable(this.db, roomId, reader);
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
}
