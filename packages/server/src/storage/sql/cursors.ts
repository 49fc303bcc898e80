/**
 * Where each device is in each room, and what may therefore be deleted: cursors move forward with acknowledgements
 * (one device's, or many devices' in one transaction), a former member's device lets go of a room once it has read
 * up to its removal, and retention deletes what every device has acknowledged — but never what a member still in
 * Requests will get on accepting, nor what is still owed to another provider — and anything too old.
 */
import { type Kysely, sql } from 'kysely';
import type { PendingRoom } from '../types.js';
import type { Flavor } from './membership.js';
import { relaxedTransaction } from './relaxed.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

export class SqlCursors {
  constructor(
    protected readonly db: Db,
    protected readonly flavor: Flavor,
  ) {}

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
    await relaxedTransaction(this.db, this.flavor, (trx) => this.ackIn(trx, deviceId, acks));
  }

  async ackMany(batch: { deviceId: string; acks: { room: string; seq: number }[] }[]) {
    // Many devices' acknowledgements in one transaction: a big room's readers cost one commit, not one each.
    if (batch.every((b) => b.acks.length === 0)) return;
    // Lost in a crash, an acknowledgement only means the messages are pushed again (see relaxed.ts).
    await relaxedTransaction(this.db, this.flavor, async (trx) => {
      for (const { deviceId, acks } of batch) if (acks.length > 0) await this.ackIn(trx, deviceId, acks);
    });
  }

  private async ackIn(trx: Db, deviceId: string, acks: { room: string; seq: number }[]) {
    // Keep the highest acknowledgement per room: one write each.
    const highest = new Map<string, number>();
    for (const { room, seq } of acks) highest.set(room, Math.max(seq, highest.get(room) ?? 0));
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
  }

  /**
   * Deletes what retention allows, a chunk at a time: each chunk is its own short transaction and the event loop
   * turns between them. One statement for everything stopped a busy provider for the whole delete (40,000
   * messages took 210 ms here, every minute); now no single step holds it for more than a chunk. Relaxed: a
   * deletion lost in a crash is only made again by the next prune.
   */
  async prune(olderThan: number): Promise<number> {
    let total = 0;
    for (;;) {
      const removed = await relaxedTransaction(this.db, this.flavor, async (trx) => {
        const rows = await acknowledged(trx).limit(PRUNE_CHUNK).execute();
        const byRoom = new Map<string, number[]>();
        for (const r of rows) {
          const seqs = byRoom.get(r.room_id);
          if (seqs) seqs.push(Number(r.seq));
          else byRoom.set(r.room_id, [Number(r.seq)]);
        }
        for (const [room, seqs] of byRoom) {
          await trx.deleteFrom('messages').where('room_id', '=', room).where('seq', 'in', seqs).execute();
        }
        return rows.length;
      });
      total += removed;
      if (removed < PRUNE_CHUNK) break;
      await turn();
    }
    return total + (await this.expire(olderThan));
  }

  /**
   * Deletes messages older than `olderThan`, whoever has read them. There is no index on the message's time
   * (it would be written with every message and read once a minute): a room's messages are in time order by
   * sequence, since its hub stamps them as it orders them, so what is too old is a run from the room's start.
   * Rooms are looked at a page at a time by their first message; the old run of each is deleted up to the
   * first message young enough to keep, at most a chunk per transaction. Should a hub's clock step back, the
   * messages after the step are kept until those before them expire: at most the step longer.
   */
  private async expire(olderThan: number): Promise<number> {
    let total = 0;
    let after: string | undefined;
    for (;;) {
      const page = await firstMessages(this.db, after);
      if (page.length === 0) break;
      after = page.at(-1)!.id;
      const due = page.filter((r) => r.first_ts !== null && Number(r.first_ts) < olderThan).map((r) => r.id);
      while (due.length > 0) {
        total += await relaxedTransaction(this.db, this.flavor, async (trx) => {
          let removed = 0;
          while (due.length > 0 && removed < PRUNE_CHUNK) {
            const room = due[0]!;
            const head = await trx
              .selectFrom('messages')
              .select(['seq', 'ts'])
              .where('room_id', '=', room)
              .orderBy('seq')
              .limit(PRUNE_CHUNK - removed)
              .execute();
            const old = head.findIndex((m) => Number(m.ts) >= olderThan);
            const count = old === -1 ? head.length : old;
            if (count > 0) {
              await trx
                .deleteFrom('messages')
                .where('room_id', '=', room)
                .where('seq', '<=', head[count - 1]!.seq)
                .execute();
            }
            removed += count;
            // The room is done unless the chunk ran out inside its old run.
            if (removed < PRUNE_CHUNK || old !== -1) due.shift();
          }
          return removed;
        });
        await turn();
      }
    }
    return total;
  }
}

/** One turn of the event loop, between two chunks. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Rooms looked at per statement by `expire`. */
const ROOM_PAGE = 500;

/** The next page of rooms (by id, after `after`), each with its first stored message's time (null: none). */
function firstMessages(db: Db, after: string | undefined) {
  let rooms = db.selectFrom('rooms').select('id').orderBy('id').limit(ROOM_PAGE);
  if (after !== undefined) rooms = rooms.where('id', '>', after);
  return db
    .selectFrom(rooms.as('r'))
    .select((eb) => [
      'r.id',
      eb
        .selectFrom('messages')
        .select('messages.ts')
        .whereRef('messages.room_id', '=', 'r.id')
        .orderBy('messages.seq')
        .limit(1)
        .as('first_ts'),
    ])
    .orderBy('r.id')
    .execute();
}

/** Messages deleted per transaction by `prune`. */
const PRUNE_CHUNK = 1000;

/**
 * Messages every device following the room has acknowledged (a room nobody's device follows any more is
 * acknowledged by all, vacuously) — except what a member in Requests will get on accepting (the Welcome and
 * everything since) and what is still owed to another provider.
 */
function acknowledged(db: Db) {
  return db
    .selectFrom('messages')
    .select(['room_id', 'seq'])
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('room_members')
            .select('room_members.handle')
            .whereRef('room_members.room_id', '=', 'messages.room_id')
            .where('room_members.pending', '=', 1)
            .whereRef('room_members.joined_seq', '<', 'messages.seq'),
        ),
      ),
    )
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('outbox')
            .select('outbox.id')
            .whereRef('outbox.room_id', '=', 'messages.room_id')
            .whereRef('outbox.seq', '<=', 'messages.seq')
            .where((eb) => eb(eb.fn.coalesce('outbox.seq_end', 'outbox.seq'), '>=', eb.ref('messages.seq'))),
        ),
      ),
    )
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
    );
}
