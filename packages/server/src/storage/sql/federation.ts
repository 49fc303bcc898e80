/**
 * What federation keeps in the database: the outbox owed to each peer, the transactions applied from peers, the
 * rooms this provider follows (messages stored under the hub's sequence numbers), consent between a local user
 * and users elsewhere, and abuse reports.
 */
import type { Kysely } from 'kysely';
import { roomIdFor } from '../../federation/roomId.js';
import type {
  ConsentRequest,
  ConsentState,
  FederationStore,
  FlushOptions,
  KnownMessage,
  NewOutboxItem,
  OutboxEntry,
  OutboxRef,
  ReceiveResult,
  RoomKind,
  RoomRecord,
  StoredMessage,
} from '../types.js';
import { dueItems } from './due.js';
import {
  ACTIVE,
  type Flavor,
  HELD_BACK,
  isLocal,
  join,
  leave,
  lockRoom,
  PENDING,
  startCursors,
  toMessage,
} from './membership.js';
import { ReceiveBatch } from './receiveBatch.js';
import { relaxedTransaction } from './relaxed.js';
import type { Database } from './schema.js';
import { Statement } from './statement.js';
import { flushed, flushLater, UNFLUSHED_READ } from './unflushed.js';

type Db = Kysely<Database>;

const REMEMBER = new Statement(
  'insert into "federation_inbox" ("origin", "txn", "received_at") values (?, ?, ?) ' +
    'on conflict ("origin", "txn") do nothing',
);
const SEEN = new Statement<{ txn: string }>(
  `select "txn" from "federation_inbox" where "origin" = ? and "txn" = ? ${UNFLUSHED_READ}`,
);
const SETTLE_PART = new Statement(
  'update "outbox" set "seq" = ? where "id" = ? and "seq" <= ? and "seq_end" > ?',
);
const SETTLE_WHOLE = new Statement('delete from "outbox" where "id" = ? and coalesce("seq_end", "seq") <= ?');

/** Records `origin`'s transaction as applied. */
async function remember(db: Db, flavor: Flavor, origin: string, txn: string, at: number): Promise<void> {
  await REMEMBER.write(db, flavor, [origin, txn, at]);
}

/**
 * Removes settled entries: a row of one item is deleted; a notify run is settled up to the highest `seq` given
 * for it (its entries are taken oldest first), and deleted once nothing of it is left.
 */
async function settleRows(db: Db, flavor: Flavor, entries: OutboxRef[]): Promise<void> {
  const single: number[] = [];
  const through = new Map<number, number>();
  for (const { id, seq } of entries) {
    if (seq === null) single.push(id);
    else through.set(id, Math.max(seq, through.get(id) ?? seq));
  }
  if (single.length > 0) await db.deleteFrom('outbox').where('id', 'in', single).execute();
  for (const [id, seq] of through) {
    const left = await SETTLE_PART.write(db, flavor, [seq + 1, id, seq, seq]);
    if (left === 0) await SETTLE_WHOLE.write(db, flavor, [id, seq]);
  }
}

export class SqlFederation implements FederationStore {
  constructor(
    private readonly db: Db,
    private readonly flavor: Flavor,
  ) {}

  async enqueue(items: NewOutboxItem[], at: number): Promise<number[]> {
    if (items.length === 0) return [];
    return this.db.transaction().execute(async (trx) => {
      const ids: number[] = [];
      for (const item of items) {
        const row = await trx
          .insertInto('outbox')
          .values({
            destination: item.destination,
            kind: item.kind,
            room_id: item.room ?? null,
            seq: item.seq ?? null,
            seq_end: item.seqEnd ?? null,
            device_id: item.device ?? null,
            body: item.body ?? null,
            created_at: at,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        ids.push(Number(row.id));
      }
      return ids;
    });
  }

  due(destination: string, limit: number, known?: KnownMessage): Promise<OutboxEntry[]> {
    return dueItems(this.db, this.flavor, destination, limit, known);
  }

  async destinations(): Promise<string[]> {
    const rows = await this.db.selectFrom('outbox').select('destination').distinct().execute();
    return rows.map((r) => r.destination);
  }

  async delivered(entries: OutboxRef[]): Promise<void> {
    if (entries.length === 0) return;
    // Lost in a crash, an item is only sent again: the peer applies it once (see relaxed.ts).
    await relaxedTransaction(this.db, this.flavor, (trx) => settleRows(trx, this.flavor, entries));
  }

  async attempted(ids: number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('outbox')
      .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', ids)
      .execute();
  }

  async giveUp(entries: OutboxRef[], reason: string, at: number): Promise<void> {
    if (entries.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      const rows = await trx
        .selectFrom('outbox')
        .select(['device_id', 'body'])
        .where('id', 'in', [...new Set(entries.map((e) => e.id))])
        .where('kind', '=', 'submit')
        .execute();
      for (const row of rows) {
        if (!row.device_id || !row.body) continue;
        const item = JSON.parse(new TextDecoder().decode(row.body)) as { room: string; clientId: string };
        await trx
          .insertInto('undelivered')
          .values({ device_id: row.device_id, room_id: item.room, client_id: item.clientId, reason, at })
          .onConflict((oc) => oc.columns(['device_id', 'client_id']).doNothing())
          .execute();
      }
      await settleRows(trx, this.flavor, entries);
    });
  }

  async undeliveredFor(deviceId: string) {
    const rows = await this.db
      .selectFrom('undelivered')
      .select(['room_id', 'client_id', 'reason', 'at'])
      .where('device_id', '=', deviceId)
      .orderBy('at')
      .execute();
    return rows.map((r) => ({ room: r.room_id, clientId: r.client_id, reason: r.reason, at: Number(r.at) }));
  }

  async skipGone(origin: string, roomId: string, from: number, to: number): Promise<boolean> {
    if (!(to > from)) return false;
    return this.db.transaction().execute(async (trx) => {
      const room = await lockRoom(trx, roomId, this.flavor);
      if (!room || room.hub !== origin || room.lastSeq !== from) return false;
      await trx.updateTable('rooms').set({ last_seq: to }).where('id', '=', roomId).execute();
      return true;
    });
  }

  async receive(origin: string, message: StoredMessage): Promise<ReceiveResult> {
    return (await this.receiveMany(origin, [message]))[0]!;
  }

  /**
   * A hub's notify, in one transaction (one commit, one fsync). After a room's first gap, its later messages
   * wait too: they are answered as gaps and come again once the gap is filled. The work is per batch where it
   * can be: each room is read once, its members again only after a commit changed them, and the messages are
   * written as one insert. With `txn`, a notify applied whole is remembered in the same commit.
   */
  async receiveMany(
    origin: string,
    messages: StoredMessage[],
    txn?: { id: string; at: number },
    options: FlushOptions = {},
  ): Promise<ReceiveResult[]> {
    return this.db.transaction().execute(async (trx) => {
      if (options.flushLater) await flushLater(trx, this.flavor);
      const batch = new ReceiveBatch(trx, this.flavor);
      const results: ReceiveResult[] = [];
      const stuck = new Map<string, number>();
      for (const message of messages) {
        const behind = stuck.get(message.room);
        if (behind !== undefined) {
          results.push({ ok: false, reason: 'gap', lastSeq: behind });
          continue;
        }
        const result = await this.receiveIn(batch, origin, message);
        if (!result.ok && result.reason === 'gap') stuck.set(message.room, result.lastSeq);
        results.push(result);
      }
      await batch.finish();
      if (txn && results.every((r) => r.ok)) await remember(trx, this.flavor, origin, txn.id, txn.at);
      return results;
    });
  }

  private async receiveIn(
    batch: ReceiveBatch,
    origin: string,
    message: StoredMessage,
  ): Promise<ReceiveResult> {
    const trx = batch.trx;
    let room = await batch.room(message.room);
    if (room && room.hub !== origin) return { ok: false, reason: 'notHub' };
    const state = message.state;
    if (!room) {
      // A room is followed from the commit that first adds one of this provider's users, and only from its
      // hub: the id must be the one the origin's domain and the room's salt hash to.
      if (!state?.members.some((m) => isLocal(m.handle)))
        return { ok: true, stored: undefined, audience: [] };
      if (!state.salt || roomIdFor(origin, state.salt) !== message.room)
        return { ok: false, reason: 'notHub' };
      room = batch.followed(await this.follow(trx, origin, message));
    }
    if (message.seq <= room.lastSeq) return { ok: true, stored: undefined, audience: [] };
    const before = await batch.members(room.id);
    const localBefore = before.filter((m) => isLocal(m.handle));
    if (message.kind === 'application' && localBefore.length > 0) {
      // A blocked sender's messages are dropped when every user here in the room blocked them.
      if ((await batch.blockedEverywhere(room.id, message.sender)) && message.seq === room.lastSeq + 1) {
        room.lastSeq = message.seq;
        batch.changed(room);
        return { ok: true, stored: undefined, audience: [] };
      }
    }
    if (message.seq > room.lastSeq + 1) {
      // Nobody here had the room: what was said before them is not theirs to fetch.
      if (localBefore.length > 0) return { ok: false, reason: 'gap', lastSeq: room.lastSeq };
    }
    room.lastSeq = message.seq;
    batch.changed(room);
    // A Welcome for another provider's device only holds its place in the sequence here.
    const forUs = !message.toUser || isLocal(message.toUser);
    const needed =
      forUs && (localBefore.length > 0 || (state?.members.some((m) => isLocal(m.handle)) ?? false));
    if (needed) batch.insert(message);
    let after = before;
    if (state) {
      await batch.flush();
      room.epoch = state.epoch;
      const now = new Set(state.members.map((m) => m.handle));
      const had = new Set(before.map((m) => m.handle));
      for (const m of before) if (!now.has(m.handle)) await leave(trx, room, m.handle);
      const added = state.members.filter((m) => !had.has(m.handle));
      for (const role of ['owner', 'member'] as const) {
        const handles = added.filter((m) => m.role === role).map((m) => m.handle);
        await join(trx, room, handles, role, message.sender);
      }
      batch.membershipChanged(room.id);
      after = await batch.members(room.id);
    }
    const audience = new Set(
      [...before, ...after].filter((m) => isLocal(m.handle) && !m.pending).map((m) => m.handle),
    );
    return { ok: true, stored: needed ? message : undefined, audience: [...audience] };
  }

  /** Creates the follower's copy of a room, positioned just before the commit that brings a local user in. */
  private async follow(trx: Db, origin: string, message: StoredMessage): Promise<RoomRecord> {
    const state = message.state!;
    const room: RoomRecord = {
      id: message.room,
      kind: state.kind,
      creator: state.creator,
      lastSeq: message.seq - 1,
      createdAt: state.createdAt,
      encrypted: true,
      epoch: state.epoch,
      hub: origin,
      salt: state.salt ?? null,
    };
    await trx
      .insertInto('rooms')
      .values({
        id: room.id,
        kind: room.kind,
        creator: room.creator,
        last_seq: room.lastSeq,
        created_at: room.createdAt,
        encrypted: 1,
        epoch: room.epoch,
        group_info: null,
        hub: origin,
        salt: state.salt ?? null,
      })
      .execute();
    return room;
  }

  async history(roomId: string, domain: string, after: number, limit: number) {
    const suffix = `%@${domain}`;
    const room = await this.db
      .selectFrom('rooms')
      .select(['hub'])
      .where('id', '=', roomId)
      .executeTakeFirst();
    if (!room || room.hub !== null) return undefined;
    const member = await this.db
      .selectFrom('room_members')
      .select('handle')
      .where('room_id', '=', roomId)
      .where('handle', 'like', suffix)
      .unionAll(
        this.db
          .selectFrom('room_departures')
          .select('handle')
          .where('room_id', '=', roomId)
          .where('handle', 'like', suffix),
      )
      .executeTakeFirst();
    if (!member) return undefined;
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('room_id', '=', roomId)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(limit)
      .execute();
    return rows.map(toMessage);
  }

  async seen(origin: string, txn: string): Promise<boolean> {
    const row = await SEEN.first(this.db, this.flavor, [origin, txn]);
    // "Applied already" is said only of an application that is on the disk.
    if (row !== undefined) await flushed(this.db, this.flavor);
    return row !== undefined;
  }

  async remember(origin: string, txn: string, at: number): Promise<void> {
    await remember(this.db, this.flavor, origin, txn, at);
  }

  async consent(owner: string, peer: string): Promise<ConsentState | undefined> {
    const row = await this.db
      .selectFrom('consent')
      .select('state')
      .where('owner', '=', owner)
      .where('peer', '=', peer)
      .executeTakeFirst();
    return row?.state as ConsentState | undefined;
  }

  async setConsent(owner: string, peer: string, state: ConsentState, at: number): Promise<string[]> {
    return this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('consent')
        .values({ owner, peer, state, updated_at: at })
        .onConflict((oc) => oc.columns(['owner', 'peer']).doUpdateSet({ state, updated_at: at }))
        .execute();
      const pending = await trx
        .selectFrom('room_members')
        .select(['room_id', 'joined_seq'])
        .where('handle', '=', owner)
        .where('pending', '=', PENDING)
        .where('invited_by', '=', peer)
        .execute();
      for (const row of pending) {
        const accepted = state === 'accepted';
        // Declined or blocked: held back for good — still on the list, so a later commit does not ask again.
        await trx
          .updateTable('room_members')
          .set(accepted ? { pending: ACTIVE, invited_by: null } : { pending: HELD_BACK })
          .where('room_id', '=', row.room_id)
          .where('handle', '=', owner)
          .execute();
        // The devices start where the user was added: the Welcome and everything since are delivered.
        if (accepted) await startCursors(trx, row.room_id, [owner], Number(row.joined_seq));
      }
      return pending.map((r) => r.room_id);
    });
  }

  async requests(owner: string): Promise<ConsentRequest[]> {
    const rows = await this.db
      .selectFrom('room_members as m')
      .innerJoin('rooms as r', 'r.id', 'm.room_id')
      .select(['m.invited_by', 'r.id', 'r.kind', 'r.created_at'])
      .where('m.handle', '=', owner)
      .where('m.pending', '=', PENDING)
      .orderBy('r.created_at')
      .execute();
    const byPeer = new Map<string, ConsentRequest>();
    for (const row of rows) {
      const from = row.invited_by ?? '';
      const request = byPeer.get(from) ?? { from, rooms: [], at: Number(row.created_at) };
      request.rooms.push({ id: row.id, kind: row.kind as RoomKind });
      byPeer.set(from, request);
    }
    return [...byPeer.values()];
  }

  async shareRoom(a: string, b: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('room_members as x')
      .innerJoin('room_members as y', 'y.room_id', 'x.room_id')
      .innerJoin('rooms as r', 'r.id', 'x.room_id')
      .select('x.room_id')
      // Only a direct room proves contact: anyone in a group may have put the two there.
      .where('r.kind', '=', 'direct')
      .where('x.handle', '=', a)
      .where('x.pending', '=', ACTIVE)
      .where('y.handle', '=', b)
      .executeTakeFirst();
    return row !== undefined;
  }

  async pruneInbox(olderThan: number): Promise<number> {
    const result = await this.db
      .deleteFrom('federation_inbox')
      .where('received_at', '<', olderThan)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async report(report: { room: string; seq: number; reporter: string; reason: string; at: number }) {
    await this.db
      .insertInto('abuse_reports')
      .values({
        room_id: report.room,
        seq: report.seq,
        reporter: report.reporter,
        reason: report.reason,
        at: report.at,
      })
      .execute();
  }
}
