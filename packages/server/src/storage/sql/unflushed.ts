/**
 * A query whose SQL ends with UNFLUSHED_READ may hand its result back before commits it may have seen are on
 * the disk (SQLite flushes after commits, off the event loop: see storage-sqlite's durable.ts; PostgreSQL
 * ignores the comment). Its caller must not let such rows leave the process unless they are known durable:
 * `flushed` waits until they are. Every other query waits by itself.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';

export const UNFLUSHED_READ = '/* unflushed */';

/** The comment to end a query with, for `.modifyEnd`. */
export const unflushed = sql.raw(` ${UNFLUSHED_READ}`);

/** Resolves once every commit made so far is on the disk: a query of nothing, which waits like any other. */
export async function flushed(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}
