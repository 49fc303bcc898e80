import type { Kysely } from 'kysely';
import type { AttachmentStore } from '../types.js';
import type { Database } from './schema.js';

/** Encrypted attachments as uploaded: opaque bytes, found by a random id. */
export class SqlAttachments implements AttachmentStore {
  constructor(private readonly db: Kysely<Database>) {}

  async put(a: { id: string; owner: string; data: Uint8Array; createdAt: number }) {
    await this.db
      .insertInto('attachments')
      .values({ id: a.id, owner: a.owner, size: a.data.byteLength, data: a.data, created_at: a.createdAt })
      .execute();
  }

  async get(id: string) {
    const row = await this.db
      .selectFrom('attachments')
      .select(['owner', 'data'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row && { owner: row.owner, data: new Uint8Array(row.data) };
  }

  async prune(olderThan: number) {
    const result = await this.db
      .deleteFrom('attachments')
      .where('created_at', '<', olderThan)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
