/**
 * Writing messages a batch at a time, for the hub's group commit and a follower's notify: the stored copies of
 * a batch's clientIds in one query, and the messages in multi-row inserts.
 */
import type { Kysely } from 'kysely';
import type { AppendInput, StoredMessage } from '../types.js';
import { type Flavor, toMessage } from './membership.js';
import { insertRows } from './rows.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

const MESSAGE_COLUMNS = [
  'room_id',
  'seq',
  'sender',
  'device_id',
  'client_id',
  'kind',
  'to_device',
  'to_user',
  'state',
  'payload',
  'ts',
] as const;

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
    .where('client_id', 'is not', null) // lets the planner take the partial index (migrations.ts)
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
export async function insertMessages(trx: Db, flavor: Flavor, rows: NewRow[]): Promise<number> {
  return insertRows(
    trx,
    flavor,
    'messages',
    MESSAGE_COLUMNS,
    rows.map(({ message: m, clientId }) => [
      m.room,
      m.seq,
      m.sender,
      m.device,
      clientId ?? null,
      m.kind,
      m.toDevice,
      m.toUser ?? null,
      m.state ? JSON.stringify(m.state) : null,
      m.payload,
      m.ts,
    ]),
    // The target names the partial unique index (migrations.ts), which both SQLite and PostgreSQL require.
    ' on conflict ("device_id", "client_id") where "client_id" is not null do nothing',
  );
}
