/**
 * What the outbox sends next to a peer: the oldest items, and the messages they name. Memory serves what the
 * hub stored lately; only the rest is read, and only what is on the disk leaves (see unflushed.ts).
 */
import type { Kysely } from 'kysely';
import type { KnownMessage, OutboxEntry, OutboxKind, StoredMessage } from '../types.js';
import { toMessage } from './membership.js';
import type { Database } from './schema.js';
import { flushed, unflushed } from './unflushed.js';

const key = (room: string, seq: number) => `${room}\n${seq}`;

export async function dueItems(
  db: Kysely<Database>,
  destination: string,
  limit: number,
  known?: KnownMessage,
): Promise<OutboxEntry[]> {
  const all = await db
    .selectFrom('outbox')
    .select(['id', 'destination', 'kind', 'room_id', 'seq', 'device_id', 'body', 'created_at', 'attempts'])
    .where('destination', '=', destination)
    .orderBy('id')
    .limit(limit)
    .modifyEnd(unflushed)
    .execute();
  // What memory holds was stored durably, and its items with it; anything else may not be on the disk yet,
  // and is sent only once it is (the reads below, or `flushed`, wait for that). So a batch is the items
  // memory can serve, up to the first it cannot (likely a commit under way: it will be there next time);
  // only when the oldest is such an item is everything read, one query per room, waiting for the disk.
  const held = all.map((r) =>
    r.room_id === null || r.seq === null ? undefined : known?.(r.room_id, Number(r.seq)),
  );
  const cut = known ? held.findIndex((m) => !m) : 0;
  const items = cut > 0 ? all.slice(0, cut) : all;
  const messages = new Map<string, StoredMessage>();
  const missing = new Map<string, number[]>();
  for (const [i, r] of items.entries()) {
    const message = held[i];
    if (r.room_id === null || r.seq === null) continue;
    if (message) messages.set(key(r.room_id, Number(r.seq)), message);
    else if (missing.has(r.room_id)) missing.get(r.room_id)!.push(Number(r.seq));
    else missing.set(r.room_id, [Number(r.seq)]);
  }
  if (cut === 0 && missing.size === 0) await flushed(db);
  for (const [room, seqs] of missing) {
    const rows = await db
      .selectFrom('messages')
      .selectAll()
      .where('room_id', '=', room)
      .where('seq', 'in', seqs)
      .execute();
    for (const row of rows) messages.set(key(room, Number(row.seq)), toMessage(row));
  }
  return items.map((r) => {
    // A message retention already deleted is not found: the item is owed to no one any more.
    const message = r.room_id === null ? undefined : messages.get(key(r.room_id, Number(r.seq)));
    return {
      id: Number(r.id),
      destination: r.destination,
      kind: r.kind as OutboxKind,
      device: r.device_id,
      body: r.body && new Uint8Array(r.body),
      createdAt: Number(r.created_at),
      attempts: Number(r.attempts),
      ...(message ? { message } : {}),
    };
  });
}
