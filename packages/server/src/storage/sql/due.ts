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

const key = (room: string, seq: number) => `${room}\n${seq}`;

/** An entry before its message is found: the row it comes from, and its message's place. */
interface Pending {
  entry: Omit<OutboxEntry, 'message'>;
  room: string | null;
}

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
  const all: Pending[] = [];
  for (const r of rows) {
    const entry = {
      id: Number(r.id),
      seq: null,
      destination: r.destination,
      kind: r.kind as OutboxKind,
      device: r.device_id,
      body: r.body && new Uint8Array(r.body),
      createdAt: Number(r.created_at),
      attempts: Number(r.attempts),
    };
    if (r.seq === null) all.push({ entry, room: r.room_id });
    else {
      const last = Number(r.seq_end ?? r.seq);
      for (let seq = Number(r.seq); seq <= last && all.length < limit; seq++) {
        all.push({ entry: { ...entry, seq }, room: r.room_id });
      }
    }
    if (all.length >= limit) break;
  }
  // What memory holds was committed, and its items with it (the hub hands a group commit over before its
  // flush; the outbox sends only once everything committed so far is on the disk). An item memory lacks is
  // likely a commit under way: a batch is the items memory can serve, up to the first it cannot (it will be
  // there next time); only when the oldest is such an item is everything read, one query per room.
  const held = all.map(({ entry, room }) =>
    room === null || entry.seq === null ? undefined : known?.(room, entry.seq),
  );
  const cut = known ? held.findIndex((m) => !m) : 0;
  const items = cut > 0 ? all.slice(0, cut) : all;
  const messages = new Map<string, StoredMessage>();
  const missing = new Map<string, number[]>();
  for (const [i, { entry, room }] of items.entries()) {
    const message = held[i];
    if (room === null || entry.seq === null) continue;
    if (message) messages.set(key(room, entry.seq), message);
    else if (missing.has(room)) missing.get(room)!.push(entry.seq);
    else missing.set(room, [entry.seq]);
  }
  for (const [room, seqs] of missing) {
    const found = await MESSAGES.of(seqs.length).all(db, flavor, [room, ...seqs]);
    for (const row of found) messages.set(key(room, Number(row.seq)), toMessage(row));
  }
  return items.map(({ entry, room }) => {
    // A message retention already deleted is not found: the item is owed to no one any more.
    const message = room === null || entry.seq === null ? undefined : messages.get(key(room, entry.seq));
    return message ? { ...entry, message } : entry;
  });
}
