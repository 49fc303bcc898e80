// The provider's own federation signing keys (table `provider_keys`, migration 0003_federation).
import type { Kysely, Selectable } from 'kysely';
import type { ProviderKeyRecord, ProviderKeyStore } from '../types.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

const record = (row: Selectable<Database['provider_keys']>): ProviderKeyRecord => ({
  keyId: row.keyid,
  privateJwk: row.private_jwk,
  publicJwk: row.public_jwk,
  createdAt: Number(row.created_at),
  notAfter: Number(row.not_after),
});

const row = (key: ProviderKeyRecord) => ({
  keyid: key.keyId,
  private_jwk: key.privateJwk,
  public_jwk: key.publicJwk,
  created_at: key.createdAt,
  not_after: key.notAfter,
});

function valid(db: Db, now: number) {
  return db
    .selectFrom('provider_keys')
    .selectAll()
    .where('not_after', '>', now)
    .orderBy('created_at', 'desc')
    .orderBy('keyid', 'desc');
}

export class SqlProviderKeys implements ProviderKeyStore {
  constructor(private readonly db: Db) {}

  async active(now: number, fresh: () => ProviderKeyRecord) {
    return this.db.transaction().execute(async (trx) => {
      const newest = await valid(trx, now).limit(1).executeTakeFirst();
      if (newest) return record(newest);
      const key = fresh();
      await trx.insertInto('provider_keys').values(row(key)).execute();
      return { ...key };
    });
  }

  async list(now: number) {
    return (await valid(this.db, now).execute()).map(record);
  }

  async rotate(next: ProviderKeyRecord, retireAt: number) {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('provider_keys')
        .set({ not_after: retireAt })
        .where('not_after', '>', retireAt)
        .execute();
      await trx.insertInto('provider_keys').values(row(next)).execute();
    });
  }
}
