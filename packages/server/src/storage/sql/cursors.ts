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
    for (const pick of [acknowledged, (db: Db) => expired(db, olderThan)]) {
      for (;;) {
        const removed = await relaxedTransaction(this.db, this.flavor, async (trx) => {
          const rows = await pick(trx).limit(PRUNE_CHUNK).execute();
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
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return total;
  }
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

/** Messages older than retention allows, whoever has read them. */
function expired(db: Db, olderThan: number) {
  return db.selectFrom('messages').select(['room_id', 'seq']).where('ts', '<', olderThan);
}
