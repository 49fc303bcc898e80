/**
 * Numbered schema migrations, run on start by both relational backends (Kysely's Migrator keeps the ledger).
 * One list for both: column types are the only difference, and they come from the flavour.
 * Never edit a migration that has shipped; add the next number.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import type { Flavor } from './rooms.js';

function types(flavor: Flavor) {
  return flavor === 'postgres'
    ? { int: 'bigint' as const, bytes: sql`bytea`, serial: 'bigserial' as const }
    : { int: 'integer' as const, bytes: sql`blob`, serial: 'integer' as const };
}

function initial(flavor: Flavor): Migration {
  const t = types(flavor);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('handle', 'text', (c) => c.primaryKey())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', t.int, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('devices')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('handle', 'text', (c) => c.notNull().references('users.handle').onDelete('cascade'))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', t.int, (c) => c.notNull())
        .addColumn('last_seen_at', t.int)
        .execute();
      await db.schema.createIndex('devices_by_handle').on('devices').column('handle').execute();
      await db.schema
        .createTable('rooms')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('creator', 'text', (c) => c.notNull())
        .addColumn('last_seq', t.int, (c) => c.notNull())
        .addColumn('created_at', t.int, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('room_members')
        .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
        .addColumn('handle', 'text', (c) => c.notNull().references('users.handle').onDelete('cascade'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('joined_seq', t.int, (c) => c.notNull())
        .addPrimaryKeyConstraint('room_members_pk', ['room_id', 'handle'])
        .execute();
      await db.schema.createIndex('room_members_by_handle').on('room_members').column('handle').execute();
      await db.schema
        .createTable('device_cursors')
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
        .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
        .addColumn('seq', t.int, (c) => c.notNull())
        .addPrimaryKeyConstraint('device_cursors_pk', ['device_id', 'room_id'])
        .execute();
      await db.schema
        .createIndex('device_cursors_by_room')
        .on('device_cursors')
        .columns(['room_id', 'seq'])
        .execute();
      await db.schema
        .createTable('messages')
        .addColumn('room_id', 'text', (c) => c.notNull())
        .addColumn('seq', t.int, (c) => c.notNull())
        .addColumn('sender', 'text', (c) => c.notNull())
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text')
        .addColumn('payload', t.bytes, (c) => c.notNull())
        .addColumn('ts', t.int, (c) => c.notNull())
        .addPrimaryKeyConstraint('messages_pk', ['room_id', 'seq'])
        .execute();
      await db.schema
        .createIndex('messages_client_id')
        .unique()
        .on('messages')
        .columns(['device_id', 'client_id'])
        .execute();
      await db.schema.createIndex('messages_by_ts').on('messages').column('ts').execute();
      await db.schema
        .createTable('key_packages')
        .addColumn('id', t.serial, (c) =>
          flavor === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
        .addColumn('data', t.bytes, (c) => c.notNull())
        .addColumn('created_at', t.int, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('key_packages_by_device')
        .on('key_packages')
        .columns(['device_id', 'id'])
        .execute();
      await db.schema
        .createTable('last_resort_key_packages')
        .addColumn('device_id', 'text', (c) => c.primaryKey().references('devices.id').onDelete('cascade'))
        .addColumn('data', t.bytes, (c) => c.notNull())
        .addColumn('created_at', t.int, (c) => c.notNull())
        .execute();
    },
  };
}

/** Encrypted rooms: the MLS epoch and GroupInfo per room, message kinds, Welcomes addressed to one device. */
function encryptedRooms(flavor: Flavor): Migration {
  const t = types(flavor);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('users').addColumn('identity_key', t.bytes).execute();
      await db.schema
        .alterTable('rooms')
        .addColumn('encrypted', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .alterTable('rooms')
        .addColumn('epoch', t.int, (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('rooms').addColumn('group_info', t.bytes).execute();
      await db.schema
        .alterTable('messages')
        .addColumn('kind', 'text', (c) => c.notNull().defaultTo('application'))
        .execute();
      await db.schema.alterTable('messages').addColumn('to_device', 'text').execute();
    },
  };
}

/** Federation: this provider's own signing keys (the private JWK never leaves this table but to sign). */
function federation(flavor: Flavor): Migration {
  const t = types(flavor);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('provider_keys')
        .addColumn('keyid', 'text', (c) => c.primaryKey())
        .addColumn('private_jwk', 'text', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('created_at', t.int, (c) => c.notNull())
        .addColumn('not_after', t.int, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('provider_keys_by_validity')
        .on('provider_keys')
        .columns(['not_after', 'created_at'])
        .execute();
    },
  };
}

/** Former members keep read access up to their removal, so they learn of it and lose nothing sent before. */
function departures(flavor: Flavor): Migration {
  const t = types(flavor);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('room_departures')
        .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
        .addColumn('handle', 'text', (c) => c.notNull().references('users.handle').onDelete('cascade'))
        .addColumn('joined_seq', t.int, (c) => c.notNull())
        .addColumn('left_seq', t.int, (c) => c.notNull())
        .addPrimaryKeyConstraint('room_departures_pk', ['room_id', 'handle'])
        .execute();
    },
  };
}

/**
 * Rooms across providers. A room row names its hub (null: this provider); members are local handles or, for users
 * of other providers, full addresses, so the member tables lose their reference to `users` (rebuilt, as SQLite
 * cannot drop a constraint). A member added by a stranger of another provider waits in Requests (`pending`).
 * The outbox holds what is owed to each peer; the inbox remembers transactions applied; consent is per pair.
 */
function federatedRooms(flavor: Flavor): Migration {
  const t = types(flavor);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('rooms').addColumn('hub', 'text').execute();
      await db.schema.alterTable('messages').addColumn('to_user', 'text').execute();
      await db.schema.alterTable('messages').addColumn('state', 'text').execute();
      await db.schema
        .createTable('room_members_v2')
        .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
        .addColumn('handle', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('joined_seq', t.int, (c) => c.notNull())
        .addColumn('pending', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('invited_by', 'text')
        .addPrimaryKeyConstraint('room_members_v2_pk', ['room_id', 'handle'])
        .execute();
      await sql`insert into room_members_v2 (room_id, handle, role, joined_seq, pending)
        select room_id, handle, role, joined_seq, 0 from room_members`.execute(db);
      await db.schema.dropTable('room_members').execute();
      await db.schema.alterTable('room_members_v2').renameTo('room_members').execute();
      await db.schema.createIndex('room_members_by_member').on('room_members').column('handle').execute();
      await db.schema
        .createTable('room_departures_v2')
        .addColumn('room_id', 'text', (c) => c.notNull().references('rooms.id').onDelete('cascade'))
        .addColumn('handle', 'text', (c) => c.notNull())
        .addColumn('joined_seq', t.int, (c) => c.notNull())
        .addColumn('left_seq', t.int, (c) => c.notNull())
        .addPrimaryKeyConstraint('room_departures_v2_pk', ['room_id', 'handle'])
        .execute();
      await sql`insert into room_departures_v2 select room_id, handle, joined_seq, left_seq from room_departures`.execute(
        db,
      );
      await db.schema.dropTable('room_departures').execute();
      await db.schema.alterTable('room_departures_v2').renameTo('room_departures').execute();
      await db.schema
        .createTable('outbox')
        .addColumn('id', t.serial, (c) =>
          flavor === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn('destination', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('room_id', 'text')
        .addColumn('seq', t.int)
        .addColumn('device_id', 'text')
        .addColumn('body', t.bytes)
        .addColumn('created_at', t.int, (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createIndex('outbox_by_destination')
        .on('outbox')
        .columns(['destination', 'id'])
        .execute();
      await db.schema.createIndex('outbox_by_message').on('outbox').columns(['room_id', 'seq']).execute();
      await db.schema
        .createTable('federation_inbox')
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('txn', 'text', (c) => c.notNull())
        .addColumn('received_at', t.int, (c) => c.notNull())
        .addPrimaryKeyConstraint('federation_inbox_pk', ['origin', 'txn'])
        .execute();
      await db.schema
        .createTable('consent')
        .addColumn('owner', 'text', (c) => c.notNull().references('users.handle').onDelete('cascade'))
        .addColumn('peer', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('updated_at', t.int, (c) => c.notNull())
        .addPrimaryKeyConstraint('consent_pk', ['owner', 'peer'])
        .execute();
      await db.schema
        .createTable('undelivered')
        .addColumn('device_id', 'text', (c) => c.notNull().references('devices.id').onDelete('cascade'))
        .addColumn('room_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('at', t.int, (c) => c.notNull())
        .addPrimaryKeyConstraint('undelivered_pk', ['device_id', 'client_id'])
        .execute();
      await db.schema
        .createTable('abuse_reports')
        .addColumn('id', t.serial, (c) =>
          flavor === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey(),
        )
        .addColumn('room_id', 'text', (c) => c.notNull())
        .addColumn('seq', t.int, (c) => c.notNull())
        .addColumn('reporter', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('at', t.int, (c) => c.notNull())
        .execute();
    },
  };
}

/**
 * Attachments: ciphertext only (the key and hash travel inside the encrypted message), kept by its uploader's
 * provider. And the salt that binds a room id to its hub (federation/roomId.ts).
 */
function attachments(flavor: Flavor): Migration {
  const t = types(flavor);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('rooms').addColumn('salt', 'text').execute();
      await db.schema
        .createTable('attachments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull().references('users.handle').onDelete('cascade'))
        .addColumn('size', t.int, (c) => c.notNull())
        .addColumn('data', t.bytes, (c) => c.notNull())
        .addColumn('created_at', t.int, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('attachments_by_age').on('attachments').column('created_at').execute();
    },
  };
}

/**
 * A hub owes a peer a run of a room's messages as one outbox row (`seq` to `seq_end`) rather than a row per
 * message: a group commit writes one row per peer and room, and sending settles a row at a time.
 */
function outboxRuns(flavor: Flavor): Migration {
  const t = types(flavor);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('outbox').addColumn('seq_end', t.int).execute();
    },
  };
}

/**
 * Indexes written with every message and (almost) never read go. Retention finds old messages through each room's
 * first message (cursors.ts), not an index on their time. The clientIds a hub deduplicates by are unique per device;
 * messages without one (a follower's copies, handshakes) no longer take a place in that index.
 */
function leanMessageIndexes(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.dropIndex('messages_by_ts').execute();
      await db.schema
        .createIndex('messages_by_client_id')
        .unique()
        .on('messages')
        .columns(['device_id', 'client_id'])
        .where(sql.ref('client_id'), 'is not', null)
        .execute();
      await db.schema.dropIndex('messages_client_id').execute();
    },
  };
}

export function migrationsFor(flavor: Flavor): Record<string, Migration> {
  return {
    '0001_initial': initial(flavor),
    '0002_encrypted_rooms': encryptedRooms(flavor),
    '0003_federation': federation(flavor),
    '0004_departures': departures(flavor),
    '0005_federated_rooms': federatedRooms(flavor),
    '0006_attachments_room_salt': attachments(flavor),
    '0007_outbox_runs': outboxRuns(flavor),
    '0008_lean_message_indexes': leanMessageIndexes(),
  };
}

/** Brings the schema up to date; throws with the failing migration's name when one fails. */
export async function migrate(db: Kysely<unknown>, flavor: Flavor, schema?: string): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => migrationsFor(flavor) };
  // The ledger lives in the provider's own schema: other schemas of the same database have ledgers of their own.
  const migrator = new Migrator({ db, provider, ...(schema ? { migrationTableSchema: schema } : {}) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${String(error)}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
