import type { Kysely } from 'kysely';
import type { AccountStore, DeviceRecord, NewDevice, UserRecord } from '../types.js';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

const deviceColumns = ['id', 'handle', 'name', 'created_at', 'last_seen_at'] as const;

const toDevice = (row: {
  id: string;
  handle: string;
  name: string;
  created_at: number;
  last_seen_at: number | null;
}): DeviceRecord => ({
  id: row.id,
  handle: row.handle,
  name: row.name,
  createdAt: Number(row.created_at),
  lastSeenAt: row.last_seen_at === null ? null : Number(row.last_seen_at),
});

/** Inserts the device and starts its cursors at the present of every room its user is in. */
async function insertDevice(trx: Db, handle: string, device: NewDevice) {
  await trx
    .insertInto('devices')
    .values({
      id: device.id,
      handle,
      name: device.name,
      token_hash: device.tokenHash,
      created_at: device.createdAt,
      last_seen_at: null,
    })
    .execute();
  await trx
    .insertInto('device_cursors')
    .columns(['device_id', 'room_id', 'seq'])
    .expression((eb) =>
      eb
        .selectFrom('room_members')
        .innerJoin('rooms', 'rooms.id', 'room_members.room_id')
        .select([eb.val(device.id).as('device_id'), 'rooms.id', 'rooms.last_seq'])
        .where('room_members.handle', '=', handle),
    )
    .execute();
}

export class SqlAccounts implements AccountStore {
  constructor(private readonly db: Db) {}

  async register(user: UserRecord, device: NewDevice) {
    return this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('users')
        .values({
          handle: user.handle,
          password_hash: user.passwordHash,
          created_at: user.createdAt,
          identity_key: null,
        })
        .onConflict((oc) => oc.column('handle').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
        return { ok: false as const, reason: 'handleTaken' as const };
      }
      await insertDevice(trx, user.handle, device);
      return { ok: true as const };
    });
  }

  async getUser(handle: string): Promise<UserRecord | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('handle', '=', handle).executeTakeFirst();
    return (
      row && {
        handle: row.handle,
        passwordHash: row.password_hash,
        createdAt: Number(row.created_at),
        identityKey: row.identity_key && new Uint8Array(row.identity_key),
      }
    );
  }

  async setIdentityKey(handle: string, key: Uint8Array) {
    // Set only where none is set yet, so two devices publishing at once cannot both win.
    await this.db
      .updateTable('users')
      .set({ identity_key: key })
      .where('handle', '=', handle)
      .where('identity_key', 'is', null)
      .execute();
    const row = await this.db
      .selectFrom('users')
      .select('identity_key')
      .where('handle', '=', handle)
      .executeTakeFirst();
    if (!row) return { ok: false as const, reason: 'noSuchUser' as const };
    return row.identity_key && Buffer.compare(Buffer.from(row.identity_key), Buffer.from(key)) === 0
      ? { ok: true as const }
      : { ok: false as const, reason: 'conflict' as const };
  }

  async addDevice(handle: string, device: NewDevice) {
    return this.db.transaction().execute(async (trx) => {
      const user = await trx
        .selectFrom('users')
        .select('handle')
        .where('handle', '=', handle)
        .executeTakeFirst();
      if (!user) return { ok: false as const, reason: 'noSuchUser' as const };
      await insertDevice(trx, handle, device);
      return { ok: true as const };
    });
  }

  async deviceByTokenHash(tokenHash: string) {
    const row = await this.db
      .selectFrom('devices')
      .select(deviceColumns)
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row && toDevice(row);
  }

  async listDevices(handle: string) {
    const rows = await this.db
      .selectFrom('devices')
      .select(deviceColumns)
      .where('handle', '=', handle)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toDevice);
  }

  async renameDevice(handle: string, deviceId: string, name: string) {
    const row = await this.db
      .updateTable('devices')
      .set({ name })
      .where('id', '=', deviceId)
      .where('handle', '=', handle)
      .returning(deviceColumns)
      .executeTakeFirst();
    return row && toDevice(row);
  }

  async removeDevice(handle: string, deviceId: string) {
    return this.db.transaction().execute(async (trx) => {
      const removed = await trx
        .deleteFrom('devices')
        .where('id', '=', deviceId)
        .where('handle', '=', handle)
        .executeTakeFirst();
      if (Number(removed.numDeletedRows) === 0) return false;
      await trx.deleteFrom('device_cursors').where('device_id', '=', deviceId).execute();
      await trx.deleteFrom('key_packages').where('device_id', '=', deviceId).execute();
      await trx.deleteFrom('last_resort_key_packages').where('device_id', '=', deviceId).execute();
      return true;
    });
  }

  async touchDevice(deviceId: string, at: number) {
    await this.db.updateTable('devices').set({ last_seen_at: at }).where('id', '=', deviceId).execute();
  }
}
