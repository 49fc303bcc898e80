/**
 * Writing messages a batch at a time, for the hub's group commit and a follower's notify: the stored copies of
 * a batch's clientIds in one query, and the messages in multi-row inserts.
 */
import type { Kysely } from 'kysely';
import type { AppendInput, StoredMessage } from '../types.js';
import { toMessage } from './membership.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/** Rows per insert: 11 parameters each stays far below SQLite's and PostgreSQL's limits. */
const ROWS_PER_INSERT = 256;

/** A batch lost a clientId race to another transaction: it is rolled back and its submits written one by one. */
export class LostRace extends Error {
  constructor() {
    super('a clientId of the batch was stored by another transaction meanwhile');
  }
}

/** The messages already stored under the batch's (device, clientId) pairs, keyed `device\nclientId`. */
export async function storedByClientId(trx: Db, inputs: AppendInput[]): Promise<Map<string, StoredMessage>> {
  const found = new Map<string, StoredMessage>();
  const keyed = inputs.filter((i) => i.clientId !== undefined);
  if (keyed.length === 0) return found;
  const wanted = new Set(keyed.map((i) => `${i.device}\n${i.clientId}`));
  const rows = await trx
    .selectFrom('messages')
    .selectAll()
    .where('device_id', 'in', [...new Set(keyed.map((i) => i.device))])
    .where('client_id', 'in', [...new Set(keyed.map((i) => i.clientId!))])
    .execute();
  for (const row of rows) {
    const key = `${row.device_id}\n${row.client_id}`;
    if (wanted.has(key)) found.set(key, toMessage(row));
  }
  return found;
}

export interface NewRow {
  message: StoredMessage;
  clientId?: string | undefined;
}

/**
 * Inserts the messages, skipping any whose (device, clientId) is taken; answers how many were inserted. Only
 * a hub's own submits carry a clientId, so only they can be skipped.
 */
export async function insertMessages(trx: Db, rows: NewRow[]): Promise<number> {
  let inserted = 0;
  for (let at = 0; at < rows.length; at += ROWS_PER_INSERT) {
    const values = rows.slice(at, at + ROWS_PER_INSERT).map(({ message: m, clientId }) => ({
      room_id: m.room,
      seq: m.seq,
      sender: m.sender,
      device_id: m.device,
      client_id: clientId ?? null,
      kind: m.kind,
      to_device: m.toDevice,
      to_user: m.toUser ?? null,
      state: m.state ? JSON.stringify(m.state) : null,
      payload: m.payload,
      ts: m.ts,
    }));
    const result = await trx
      .insertInto('messages')
      .values(values)
      .onConflict((oc) => oc.columns(['device_id', 'client_id']).doNothing())
      .executeTakeFirst();
    inserted += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return inserted;
}
