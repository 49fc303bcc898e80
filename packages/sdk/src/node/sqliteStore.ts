// A Store in one SQLite file (better-sqlite3, WAL, synchronous=FULL). Every `write` is one transaction; records
// are JSON (bytes as base64) except group states, which are blobs. FULL sync matters here: a group state that
// rolled back after a message went out would make the device reuse a ratchet key.
import Database from 'better-sqlite3';
import { recordFromJson, recordToJson } from '../store/json.js';
import type {
  AccountRecord,
  KeyPackageRecord,
  MessageRecord,
  RoomRecord,
  Store,
  StoreBatch,
} from '../store/types.js';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS account (id INTEGER PRIMARY KEY CHECK (id = 1), record TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS rooms (id TEXT PRIMARY KEY, record TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS groups (room TEXT PRIMARY KEY, state BLOB NOT NULL);
  CREATE TABLE IF NOT EXISTS positions (room TEXT PRIMARY KEY, seq INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS key_packages (ref TEXT PRIMARY KEY, record TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS messages (id TEXT PRIMARY KEY, room TEXT NOT NULL, seq INTEGER NOT NULL,
    record TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS messages_by_room ON messages (room, seq);
  CREATE TABLE IF NOT EXISTS identity_keys (user_uri TEXT PRIMARY KEY, key BLOB NOT NULL);
`;

const bytes = (b: Buffer | undefined) => (b === undefined ? undefined : new Uint8Array(b));
const blob = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/**
 * A {@link Store} in a SQLite file, for Node clients (CLI, bots). Open it with a path; `:memory:` works for tests.
 *
 * @example
 * const store = SqliteStore.open('./alice.db');
 * const client = new ParleyClient({ store, ...(await nodeEnvironment()) });
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly transaction: (batch: StoreBatch) => void;

  private constructor(db: Database.Database) {
    this.db = db;
    this.transaction = db.transaction((batch: StoreBatch) => this.apply(batch));
  }

  static open(path: string): SqliteStore {
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.exec(SCHEMA);
    return new SqliteStore(db);
  }

  private one<T>(sql: string, ...args: unknown[]): T | undefined {
    return this.db.prepare(sql).get(...args) as T | undefined;
  }

  private record<T>(sql: string, ...args: unknown[]): T | undefined {
    const row = this.one<{ record: string }>(sql, ...args);
    return row === undefined ? undefined : recordFromJson<T>(row.record);
  }

  async account() {
    return this.record<AccountRecord>('SELECT record FROM account WHERE id = 1');
  }
  async room(id: string) {
    return this.record<RoomRecord>('SELECT record FROM rooms WHERE id = ?', id);
  }
  async rooms() {
    const rows = this.db.prepare('SELECT record FROM rooms ORDER BY id').all() as { record: string }[];
    return rows.map((r) => recordFromJson<RoomRecord>(r.record));
  }
  async group(room: string) {
    return bytes(this.one<{ state: Buffer }>('SELECT state FROM groups WHERE room = ?', room)?.state);
  }
  async positions() {
    const rows = this.db.prepare('SELECT room, seq FROM positions').all() as { room: string; seq: number }[];
    return Object.fromEntries(rows.map((r) => [r.room, r.seq]));
  }
  async keyPackage(ref: string) {
    return this.record<KeyPackageRecord>('SELECT record FROM key_packages WHERE ref = ?', ref);
  }
  async message(id: string) {
    return this.record<MessageRecord>('SELECT record FROM messages WHERE id = ?', id);
  }
  async messages(room: string) {
    const rows = this.db.prepare('SELECT record FROM messages WHERE room = ? ORDER BY seq, id').all(room) as {
      record: string;
    }[];
    return rows.map((r) => recordFromJson<MessageRecord>(r.record));
  }
  async queued(room: string) {
    const rows = this.db
      .prepare('SELECT record FROM messages WHERE room = ? AND seq = 0 ORDER BY id')
      .all(room) as {
      record: string;
    }[];
    return rows.map((r) => recordFromJson<MessageRecord>(r.record));
  }
  async identityKey(userUri: string) {
    return bytes(this.one<{ key: Buffer }>('SELECT key FROM identity_keys WHERE user_uri = ?', userUri)?.key);
  }

  private apply(batch: StoreBatch): void {
    const run = (sql: string, ...args: unknown[]) => this.db.prepare(sql).run(...args);
    if (batch.account) {
      run('INSERT OR REPLACE INTO account (id, record) VALUES (1, ?)', recordToJson(batch.account));
    }
    for (const room of batch.rooms ?? []) {
      run('INSERT OR REPLACE INTO rooms (id, record) VALUES (?, ?)', room.id, recordToJson(room));
    }
    for (const { room, state } of batch.groups ?? []) {
      if (state === null) run('DELETE FROM groups WHERE room = ?', room);
      else run('INSERT OR REPLACE INTO groups (room, state) VALUES (?, ?)', room, blob(state));
    }
    for (const { room, seq } of batch.positions ?? []) {
      run(
        'INSERT INTO positions (room, seq) VALUES (?, ?) ON CONFLICT (room) DO UPDATE SET seq = max(seq, excluded.seq)',
        room,
        seq,
      );
    }
    for (const kp of batch.keyPackages ?? []) {
      run('INSERT OR REPLACE INTO key_packages (ref, record) VALUES (?, ?)', kp.ref, recordToJson(kp));
    }
    for (const ref of batch.deleteKeyPackages ?? []) run('DELETE FROM key_packages WHERE ref = ?', ref);
    for (const m of batch.messages ?? []) {
      run(
        'INSERT OR REPLACE INTO messages (id, room, seq, record) VALUES (?, ?, ?, ?)',
        m.id,
        m.room,
        m.seq,
        recordToJson(m),
      );
    }
    for (const { userUri, key } of batch.identityKeys ?? []) {
      run('INSERT OR REPLACE INTO identity_keys (user_uri, key) VALUES (?, ?)', userUri, blob(key));
    }
  }

  async write(batch: StoreBatch): Promise<void> {
    this.transaction(batch);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
