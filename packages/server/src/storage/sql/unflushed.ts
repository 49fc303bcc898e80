/**
 * A query whose SQL ends with UNFLUSHED_READ may hand its result back before commits it may have seen are on
 * the disk (SQLite flushes after commits, off the event loop: see storage-sqlite's durable.ts; PostgreSQL
 * ignores the comment). Its caller must not let such rows leave the process unless they are known durable:
 * `flushed` waits until they are. Every other query waits by itself.
 */
import type { Kysely } from 'kysely';
import type { Flavor } from './membership.js';
import type { Database } from './schema.js';
import { Statement } from './statement.js';

export const UNFLUSHED_READ = '/* unflushed */';

const NOTHING = new Statement('select 1');

/** Resolves once every commit made so far is on the disk: a query of nothing, which waits like any other. */
export async function flushed(db: Kysely<Database>, flavor: Flavor): Promise<void> {
  await NOTHING.all(db, flavor, []);
}
