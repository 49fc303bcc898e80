/**
 * A query whose SQL ends with UNFLUSHED_READ may hand its result back before commits it may have seen are on
 * the disk (SQLite flushes after commits, off the event loop: see storage-sqlite's durable.ts; PostgreSQL
 * ignores the comment). Its caller must not let such rows leave the process unless they are known durable:
 * `flushed` waits until they are. Every other query waits by itself.
 *
 * Likewise a transaction that runs `flushLater` first is answered once it committed, while its flush may still
 * run: its caller prepares what depends on it meanwhile and waits with `flushed` before any of it leaves (the
 * hub's group commit, a follower's notify; see the storage interface).
 */
import type { Kysely } from 'kysely';
import type { Flavor } from './membership.js';
import type { Database } from './schema.js';
import { Statement } from './statement.js';

export const UNFLUSHED_READ = '/* unflushed */';
/** The statement that marks a transaction as answered before its flush (the driver does not run it). */
export const UNFLUSHED_COMMIT = 'select 1 /* flushed later */';

const NOTHING = new Statement('select 1');
const LATER = new Statement(UNFLUSHED_COMMIT);

/** Marks the transaction `trx` as answered before its flush (SQLite; PostgreSQL's commit is durable itself). */
export async function flushLater(trx: Kysely<Database>, flavor: Flavor): Promise<void> {
  if (flavor === 'sqlite') await LATER.all(trx, flavor, []);
}

/** Resolves once every commit made so far is on the disk: a query of nothing, which waits like any other. */
export async function flushed(db: Kysely<Database>, flavor: Flavor): Promise<void> {
  if (flavor === 'postgres') return; // every commit is on the disk when it returns (synchronous_commit=on)
  await NOTHING.all(db, flavor, []);
}
