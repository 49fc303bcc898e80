/**
 * The embedded default: SQLite through better-sqlite3 in WAL mode, one file in the provider's data folder.
 * Commits are durable (`synchronous=FULL`) unless told otherwise, so an acknowledged write survives a crash or
 * power loss; the flush happens off the event loop (durable.ts).
 */
import { mkdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createSqlStorage, type Database, migrate, type Storage } from '@parley/server';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, type SqliteDatabase } from 'kysely';
import { type Durability, DurableSqliteDialect, type Flusher, LEVELS, WalFlusher } from './durable.js';

export type { Flusher } from './durable.js';
export interface SqliteOptions {
  /** Database file; created with its folder when missing. */
  path: string;
  /** `FULL` (default) survives power loss; `NORMAL` survives a process crash only. */
  synchronous?: 'FULL' | 'NORMAL' | 'OFF';
  /** Wraps the WAL file's flusher (durable.ts): tests hold or watch flushes with it. */
  flusher?: (wal: Flusher) => Flusher;
}

export async function openSqliteStorage(options: SqliteOptions): Promise<Storage> {
  const onDisk = options.path !== ':memory:';
  if (onDisk) mkdirSync(dirname(options.path), { recursive: true });
  const level = LEVELS[options.synchronous ?? 'FULL'];
  const sqlite = new BetterSqlite3(options.path);
  sqlite.pragma('journal_mode = WAL');
  // FULL is kept by the driver, which flushes the WAL after each commit; SQLite itself flushes at checkpoints.
  sqlite.pragma(`synchronous = ${level >= LEVELS.FULL ? 'NORMAL' : options.synchronous}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const durability: Durability = { flusher: undefined, level };
  const db = new Kysely<Database>({
    dialect: new DurableSqliteDialect({ database: withStatementCache(sqlite) }, durability),
  });
  try {
    await migrate(db as Kysely<unknown>, 'sqlite');
    if (onDisk) {
      const wal = await WalFlusher.open(`${options.path}-wal`);
      durability.flusher = options.flusher ? options.flusher(wal) : wal;
      // What migrating wrote, and the WAL file's own name in its folder, reach the disk before anything else.
      await durability.flusher.flush();
      const folder = await open(dirname(options.path), 'r');
      try {
        await folder.datasync();
      } finally {
        await folder.close();
      }
    }
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return createSqlStorage(db, 'sqlite');
}

/**
 * Kysely prepares every query afresh; the same few statements run for every message, so they are prepared once
 * and kept (least recently used first out). Safe on one connection: Kysely runs one query at a time on it.
 */
function withStatementCache(sqlite: BetterSqlite3.Database, max = 512): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement) {
        cache.delete(sql);
      } else {
        statement = sqlite.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, statement);
      return statement as unknown as ReturnType<SqliteDatabase['prepare']>;
    },
  };
}
