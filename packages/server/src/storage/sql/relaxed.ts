/**
 * Bookkeeping whose loss a crash can only turn into a repeat that the other side ignores — an outbox item
 * deleted after its peer applied it (sent again, applied idempotently), a device's acknowledgement (the
 * messages pushed again, which the device skips by sequence number) — is committed without waiting for the
 * disk: the next durable commit carries it to the disk with its own. Everything a sender or recipient was told
 * is stored still waits for the disk.
 * PostgreSQL: `synchronous_commit = off` for that transaction. SQLite: `synchronous = OFF` around it on the one
 * connection (no other statement can run in between), then back to the level the connection had.
 */
import type { Kysely } from 'kysely';
import type { Flavor } from './membership.js';
import type { Database } from './schema.js';
import { Statement } from './statement.js';

type Db = Kysely<Database>;

const UNSYNCED = new Statement('set local synchronous_commit = off');
const LEVEL = new Statement<{ synchronous: number }>('pragma synchronous');
const LEVELS = [0, 1, 2, 3].map((n) => new Statement(`pragma synchronous = ${n}`));

export async function relaxedTransaction<T>(
  db: Db,
  flavor: Flavor,
  work: (trx: Db) => Promise<T>,
): Promise<T> {
  if (flavor === 'postgres') {
    return db.transaction().execute(async (trx) => {
      await UNSYNCED.write(trx, flavor, []);
      return work(trx);
    });
  }
  return db.connection().execute(async (conn) => {
    const found = await LEVEL.first(conn, flavor, []);
    const level = Number(found?.synchronous ?? 2);
    await LEVELS[0]!.write(conn, flavor, []);
    try {
      return await conn.transaction().execute(work);
    } finally {
      await (LEVELS[level] ?? LEVELS[2]!).write(conn, flavor, []);
    }
  });
}
