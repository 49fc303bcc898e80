import { type Kysely, sql } from 'kysely';
import type { ClaimOptions, KeyPackageStore } from '../types.js';
import type { Flavor } from './rooms.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

const bytes = (b: Uint8Array) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export class SqlKeyPackages implements KeyPackageStore {
  constructor(
    private readonly db: Db,
    private readonly flavor: Flavor,
  ) {}

  async upload(
    handle: string,
    deviceId: string,
    keyPackages: Uint8Array[],
    lastResort: Uint8Array | undefined,
    at: number,
  ) {
    await this.db.transaction().execute(async (trx) => {
      const device = await trx
        .selectFrom('devices')
        .select('id')
        .where('id', '=', deviceId)
        .where('handle', '=', handle)
        .executeTakeFirst();
      if (!device) return;
      if (keyPackages.length > 0) {
        await trx
          .insertInto('key_packages')
          .values(keyPackages.map((data) => ({ device_id: deviceId, data, created_at: at })))
          .execute();
      }
      if (lastResort) {
        await trx
          .insertInto('last_resort_key_packages')
          .values({ device_id: deviceId, data: lastResort, created_at: at })
          .onConflict((oc) => oc.column('device_id').doUpdateSet({ data: lastResort, created_at: at }))
          .execute();
      }
    });
  }

  async claim(handle: string, options: ClaimOptions = {}) {
    return this.db.transaction().execute(async (trx) => {
      let query = trx.selectFrom('devices').select('id').where('handle', '=', handle).orderBy('id');
      if (options.devices)
        query =
          options.devices.length > 0
            ? query.where('id', 'in', options.devices)
            : query.where(sql<boolean>`false`);
      if (options.except) query = query.where('id', '!=', options.except);
      const devices = await query.execute();
      const out: { deviceId: string; keyPackage: Uint8Array; lastResort: boolean }[] = [];
      for (const { id } of devices) {
        // Oldest first; concurrent claimers on PostgreSQL skip a row another is taking instead of waiting.
        if (options.lastResortOnly) {
          const only = await lastResort(trx, id);
          if (only) out.push(only);
          continue;
        }
        let pick = trx
          .selectFrom('key_packages')
          .select('id')
          .where('device_id', '=', id)
          .orderBy('id')
          .limit(1);
        if (this.flavor === 'postgres') pick = pick.forUpdate().skipLocked();
        const taken = await trx
          .deleteFrom('key_packages')
          .where('id', '=', (eb) => eb.selectFrom(pick.as('p')).select('p.id'))
          .returning('data')
          .executeTakeFirst();
        if (taken) {
          out.push({ deviceId: id, keyPackage: bytes(taken.data), lastResort: false });
          continue;
        }
        const fallback = await lastResort(trx, id);
        if (fallback) out.push(fallback);
      }
      return out;
    });
  }

  async count(deviceId: string) {
    const row = await this.db
      .selectFrom('key_packages')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('device_id', '=', deviceId)
      .executeTakeFirst();
    const fallback = await this.db
      .selectFrom('last_resort_key_packages')
      .select('device_id')
      .where('device_id', '=', deviceId)
      .executeTakeFirst();
    return { count: Number(row?.n ?? 0), lastResort: fallback !== undefined };
  }
}

async function lastResort(trx: Kysely<Database>, deviceId: string) {
  const row = await trx
    .selectFrom('last_resort_key_packages')
    .select('data')
    .where('device_id', '=', deviceId)
    .executeTakeFirst();
  return row && { deviceId, keyPackage: bytes(row.data), lastResort: true };
}
