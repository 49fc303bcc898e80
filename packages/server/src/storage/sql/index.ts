/**
 * `SqlStorage`: the one query layer (Kysely) behind both relational backends. The backends supply a connected
 * Kysely instance with the schema migrated; the flavour switches the few things only PostgreSQL has (row locks).
 */
import { type Kysely, sql } from 'kysely';
import type { Storage } from '../types.js';
import { SqlAccounts } from './accounts.js';
import { SqlAttachments } from './attachments.js';
import { SqlFederation } from './federation.js';
import { SqlKeyPackages } from './keyPackages.js';
import { SqlProviderKeys } from './providerKeys.js';
import { type Flavor, SqlRooms } from './rooms.js';
import type { Database } from './schema.js';
import { flushed } from './unflushed.js';

export type { Flavor } from './rooms.js';
export type { Database } from './schema.js';

export function createSqlStorage(
  db: Kysely<Database>,
  flavor: Flavor,
  onClose: () => Promise<void> = () => db.destroy(),
): Storage {
  return {
    kind: flavor,
    accounts: new SqlAccounts(db),
    rooms: new SqlRooms(db, flavor),
    keyPackages: new SqlKeyPackages(db, flavor),
    providerKeys: new SqlProviderKeys(db),
    federation: new SqlFederation(db, flavor),
    attachments: new SqlAttachments(db),
    flushed: () => flushed(db, flavor),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: onClose,
  };
}
export { migrate, migrationsFor } from './migrations.js';
export { UNFLUSHED_COMMIT, UNFLUSHED_READ } from './unflushed.js';
