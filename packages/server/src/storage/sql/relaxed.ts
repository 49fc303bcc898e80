/**
 * Bookkeeping whose loss a crash can only turn into a repeat that the other side ignores — an outbox item
 * deleted after its peer applied it (sent again, applied idempotently), a device's acknowledgement (the
 * messages pushed again, which the device skips by sequence number) — is committed without waiting for the
 * disk: the next durable commit carries it to the disk with its own. Everything a sender or recipient was told
 * is stored still waits for the disk.
 * PostgreSQL: `synchronous_commit = off` for that transaction. SQLite: `synchronous = OFF` around it on the one
 * connection (no other statement can run in between), then back to the level the connection had.
 */
import { type Kysely, sql } from 'kysely';
import type { Flavor } from './membership.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

export async function relaxedTransaction<T>(
  db: Db,
  flavor: Flavor,
  work: (trx: Db) => Promise<T>,
): Promise<T> {
  if (flavor === 'postgres') {
    return db.transaction().execute(async (trx) => {
      await sql`set local synchronous_commit = off`.execute(trx);
      return work(trx);
    });
  }
  return db.connection().execute(async (conn) => {
    const found = await sql<{ synchronous: number }>`pragma synchronous`.execute(conn);
    const level = Number(found.rows[0]?.synchronous ?? 2);
    await sql`pragma synchronous = off`.execute(conn);
    try {
      return await conn.transaction().execute(work);
    } finally {
      await sql.raw(`pragma synchronous = ${Number.isInteger(level) ? level : 2}`).execute(conn);
    }
  });
}
