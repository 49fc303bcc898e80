/**
 * The embedded default: SQLite through better-sqlite3 in WAL mode, one file in the provider's data folder.
 * Commits are `synchronous=FULL` unless told otherwise, so an acknowledged write survives a crash or power loss.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { createSqlStorage, type Database, migrate, type Storage } from '@parley/server';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';

export interface SqliteOptions {
  /** Database file; created with its folder when missing. */
  path: string;
  /** `FULL` (default) survives power loss; `NORMAL` survives a process crash only. */
  synchronous?: 'FULL' | 'NORMAL' | 'OFF';
}

export async function openSqliteStorage(options: SqliteOptions): Promise<Storage> {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const sqlite = new BetterSqlite3(options.path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  try {
    await migrate(db as Kysely<unknown>, 'sqlite');
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return createSqlStorage(db, 'sqlite');
}
