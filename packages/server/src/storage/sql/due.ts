/**
 * What the outbox sends next to a peer: the oldest items, and the messages they name. A notify row names a run
 * of one room's messages and comes out as an entry per message. Memory serves what the hub stored lately; only
 * the rest is read. What is read here may not be on the disk yet: the outbox sends nothing before
 * `Storage.flushed()` resolves (see unflushed.ts).
 */
import type { Kysely, Selectable } from 'kysely';
import type { KnownMessage, OutboxEntry, OutboxKind, StoredMessage } from '../types.js';
import { type Flavor, toMessage } from './membership.js';
import type { Database } from './schema.js';
import { ListStatement, Statement } from './statement.js';
import { UNFLUSHED_READ } from './unflushed.js';

const OLDEST = new Statement<Selectable<Database['outbox']>>(
  'select "id", "destination", "kind", "room_id", "seq", "seq_end", "device_id", "body", "created_at", ' +
    `"attempts" from "outbox" where "destination" = ? order by "id" limit ? ${UNFLUSHED_READ}`,
);
const MESSAGES = new ListStatement<Database['messages']>(
  'select * from "messages" where "room_id" = ? and "seq" in (?…)',
);

export async function dueItems(
  db: Kysely<Database>,
  flavor: Flavor,
  destination: string,
  limit: number,
  known?: KnownMessage,
): Promise<OutboxEntry[]> {
  // Every row holds at least one entry: `limit` rows are enough for `limit` entries.
  const rows = await OLDEST.all(db, flavor, [destination, limit]);
  // What memory holds was committed, and its items with it (the hub hands a group commit over before its
  // flush; the outbox sends only once everything committed so far is on the disk). An item memory lacks is
  // likely a commit under way: a batch is the items memory can serve, up to the first it cannot (it will be
  // there next time); only when the oldest is such an item is everything read, one query per room.
  // One object per entry and nothing else on the way: this runs for every message sent to a peer, and what it
  // allocates lives until the peer answers.
  const items: OutboxEntry[] = [];
  /** Entries whose message is read from the database, by room (only when the oldest item is not in memory). */
  let missing: Map<string, OutboxEntry[]> | undefined = known ? undefined : new Map();
  scan: for (const r of rows) {
    const id = Number(r.id);
    const kind = r.kind as OutboxKind;
    const body = r.body && new Uint8Array(r.body);
    const createdAt = Number(r.created_at);
    const attempts = Number(r.attempts);
    const room = r.room_id;
    if (r.seq === null || room === null) {
      if (missing === undefined && items.length > 0) break;
      missing ??= new Map();
      items.push(entryOf(id, null, r.destination, kind, r.device_id, body, createdAt, attempts, undefined));
    } else {
      const last = Number(r.seq_end ?? r.seq);
      for (let seq = Number(r.seq); seq <= last && items.length < limit; seq++) {
        const message = known?.(room, seq);
        if (message === undefined && missing === undefined) {
          if (items.length > 0) break scan;
          missing = new Map();
        }
        const entry = entryOf(id, seq, r.destination, kind, r.device_id, body, createdAt, attempts, message);
        items.push(entry);
        if (message === undefined) {
          const waiting = missing!.get(room);
          if (waiting) waiting.push(entry);
          else missing!.set(room, [entry]);
        }
      }
    }
    if (items.length >= limit) break;
  }
  for (const [room, waiting] of missing ?? []) {
    const found = await MESSAGES.of(waiting.length).all(db, flavor, [room, ...waiting.map((e) => e.seq)]);
    const bySeq = new Map(found.map((row) => [Number(row.seq), row]));
    // A message retention already deleted is not found: the item is owed to no one any more.
    for (const entry of waiting) {
      const row = bySeq.get(entry.seq!);
      if (row) entry.message = toMessage(row);
    }
  }
  return items;
}

/** An entry with every field set, so that all entries share one shape. */
function entryOf(
  id: number,
  seq: number | null,
  destination: string,
  kind: OutboxKind,
  device: string | null,
  body: Uint8Array | null,
  createdAt: number,
  attempts: number,
  message: StoredMessage | undefined,
): OutboxEntry {
  return { id, seq, destination, kind, device, body, createdAt, attempts, message };
}
