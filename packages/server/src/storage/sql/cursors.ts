/**
 * Where each device is in each room, and what may therefore be deleted: cursors move forward with acknowledgements
 * (one device's, or many devices' in one transaction), a former member's device lets go of a room once it has read
 * up to its removal, and retention deletes what every device has acknowledged — but never what a member still in
 * Requests will get on accepting, nor what is still owed to another provider — and anything too old.
 */
import type { Kysely } from 'kysely';
import type { PendingRoom } from '../types.js';
import type { Flavor } from './membership.js';
import { relaxedTransaction } from './relaxed.js';
import type { Database } from './schema.js';
import { ListStatement, Statement } from './statement.js';

type Db = Kysely<Database>;

const CURSORS =
  'select "c"."room_id", "c"."seq", "r"."last_seq", "m"."handle" as "member", "x"."left_seq" ' +
  'from "device_cursors" as "c" inner join "rooms" as "r" on "r"."id" = "c"."room_id" ' +
  'inner join "devices" as "d" on "d"."id" = "c"."device_id" ' +
  'left join "room_members" as "m" on "m"."room_id" = "c"."room_id" and "m"."handle" = "d"."handle" ' +
  'left join "room_departures" as "x" on "x"."room_id" = "c"."room_id" and "x"."handle" = "d"."handle" ' +
  'where "c"."device_id" = ?';
interface CursorRow {
  room_id: string;
  seq: number;
  last_seq: number;
  member: string | null;
  left_seq: number | null;
}
const ALL_CURSORS = new Statement<CursorRow>(`${CURSORS} order by "c"."room_id"`);
const SOME_CURSORS = new ListStatement<CursorRow>(
  `${CURSORS} and "c"."room_id" in (?…) order by "c"."room_id"`,
);
const MOVE_CURSOR = new Statement(
  'update "device_cursors" set "seq" = ? where "device_id" = ? and "room_id" = ? and "seq" < ?',
);
const DROP_CURSOR = new Statement('delete from "device_cursors" where "device_id" = ? and "room_id" = ?');

export class SqlCursors {
  constructor(
    protected readonly db: Db,
    protected readonly flavor: Flavor,
  ) {}

  /** The device's cursors with where each ends: the room's end for members, the removal for former ones. */
  private async cursorsWithEnds(db: Db, deviceId: string, rooms?: string[]) {
    const rows = rooms
      ? await SOME_CURSORS.of(rooms.length).all(db, this.flavor, [deviceId, ...rooms])
      : await ALL_CURSORS.all(db, this.flavor, [deviceId]);
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
      // A former member's device that has read up to its removal is done with the room.
      if (!c.member && seq >= c.end) await DROP_CURSOR.write(trx, this.flavor, [deviceId, c.room]);
      else if (seq > c.cursor) await MOVE_CURSOR.write(trx, this.flavor, [seq, deviceId, c.room, seq]);
    }
  }

  /**
   * Deletes what retention allows, room by room: in each room, what may go is a run from its start (see
   * `deletable`), so pruning reads a few index entries per room and the messages it deletes, never the
   * messages it keeps. (It used to look at every stored message against every rule: with 200,000 messages
   * waiting for a device that was away, each prune stopped the provider for 125 ms, every minute.)
   * At most a chunk of messages per transaction, with a turn of the event loop between (one statement for
   * everything stopped a busy provider for the whole delete: 40,000 messages, 210 ms, every minute). Relaxed:
   * a deletion lost in a crash is only made again by the next prune.
   */
  async prune(olderThan: number): Promise<number> {
    let total = 0;
    let after: string | undefined;
    for (;;) {
      const step = await relaxedTransaction(this.db, this.flavor, async (trx) => {
        const page = await roomsAfter(trx, after);
        let removed = 0;
        let next = after;
        for (const room of page) {
          const run = await deleteRun(trx, room, olderThan, PRUNE_CHUNK - removed);
          removed += run.removed;
          if (!run.finished) break; // the chunk ran out in this room: the next transaction goes on from it
          next = room.id;
        }
        const finished = next === page.at(-1)?.id || page.length === 0;
        return { removed, next, last: finished && page.length < ROOM_PAGE };
      });
      total += step.removed;
      after = step.next;
      if (step.last) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return total;
  }
}

/** Messages deleted per transaction by `prune`. */
const PRUNE_CHUNK = 1000;
/** Rooms looked at per transaction by `prune`. */
const ROOM_PAGE = 500;

/** A room as `prune` sees it: where its stored messages start, and what keeps them. */
interface RoomFloors {
  id: string;
  /** The first stored message's sequence and time; null when nothing is stored. */
  firstSeq: number | null;
  firstTs: number | null;
  /** The last sequence every rule but age lets go of. */
  deletableTo: number;
}

/**
 * Up to a page of rooms after `after` (by id), with what `deletable` needs: every index look-up, none of the
 * room's messages.
 */
async function roomsAfter(db: Db, after: string | undefined): Promise<RoomFloors[]> {
  let page = db.selectFrom('rooms').select('id').orderBy('id').limit(ROOM_PAGE);
  if (after !== undefined) page = page.where('id', '>', after);
  const rows = await db
    .selectFrom(page.as('r'))
    .select((eb) => {
      const first = (column: 'seq' | 'ts') =>
        eb
          .selectFrom('messages')
          .select(column)
          .whereRef('messages.room_id', '=', 'r.id')
          .orderBy('messages.seq')
          .limit(1);
      return [
        'r.id',
        first('seq').as('first_seq'),
        first('ts').as('first_ts'),
        eb
          .selectFrom('device_cursors')
          .select((s) => s.fn.min('device_cursors.seq').as('v'))
          .whereRef('device_cursors.room_id', '=', 'r.id')
          .as('cursor_floor'),
        eb
          .selectFrom('room_members')
          .select((s) => s.fn.min('room_members.joined_seq').as('v'))
          .whereRef('room_members.room_id', '=', 'r.id')
          .where('room_members.pending', '=', 1)
          .as('pending_from'),
        eb
          .selectFrom('outbox')
          .select((s) => s.fn.min('outbox.seq').as('v'))
          .whereRef('outbox.room_id', '=', 'r.id')
          .as('owed_from'),
      ];
    })
    .orderBy('r.id')
    .execute();
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return rows.map((r) => ({
    id: r.id,
    firstSeq: num(r.first_seq),
    firstTs: num(r.first_ts),
    deletableTo: deletable(num(r.cursor_floor), num(r.pending_from), num(r.owed_from)),
  }));
}

/**
 * The last sequence that every device following the room has acknowledged (all of them when no device follows
 * it any more), that no member in Requests will get on accepting (the Welcome and everything since), and that
 * is not owed to another provider (nor anything after the first owed: the outbox settles a room's runs oldest
 * first, so that keeps little longer).
 */
function deletable(cursorFloor: number | null, pendingFrom: number | null, owedFrom: number | null): number {
  return Math.min(
    cursorFloor ?? Number.MAX_SAFE_INTEGER,
    pendingFrom ?? Number.MAX_SAFE_INTEGER,
    owedFrom === null ? Number.MAX_SAFE_INTEGER : owedFrom - 1,
  );
}

/**
 * Deletes up to `budget` messages from the start of the room: those `deletableTo` allows, and those older than
 * `olderThan` whoever has read them. Both are runs from the start: a hub stamps its messages as it orders them,
 * so time grows with sequence (if a hub's clock steps back, the messages after the step go with the first one
 * after them that is too old: at most the step later). Finished: nothing more to delete in the room.
 */
async function deleteRun(trx: Db, room: RoomFloors, olderThan: number, budget: number) {
  const { firstSeq, firstTs } = room;
  if (firstSeq === null || firstTs === null) return { removed: 0, finished: true };
  if (firstSeq > room.deletableTo && firstTs >= olderThan) return { removed: 0, finished: true };
  if (budget <= 0) return { removed: 0, finished: false };
  const head = await trx
    .selectFrom('messages')
    .select(['seq', 'ts'])
    .where('room_id', '=', room.id)
    .orderBy('seq')
    .limit(budget)
    .execute();
  const kept = head.findIndex((m) => Number(m.seq) > room.deletableTo && Number(m.ts) >= olderThan);
  const removed = kept === -1 ? head.length : kept;
  if (removed > 0) {
    await trx
      .deleteFrom('messages')
      .where('room_id', '=', room.id)
      .where('seq', '<=', head[removed - 1]!.seq)
      .execute();
  }
  return { removed, finished: kept !== -1 || head.length < budget };
}
