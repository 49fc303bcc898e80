/**
 * The SQLite driver's own flush (durable.ts): a commit at FULL returns only after the WAL was flushed; commits
 * during a flush share the next one; a read is answered only once the commits it may see are flushed; reads,
 * rollbacks and relaxed commits flush nothing; the level the app sets is the level it reads back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { UNFLUSHED_COMMIT, UNFLUSHED_READ } from '@parley/server';
import BetterSqlite3 from 'better-sqlite3';
import { type Generated, Kysely, sql } from 'kysely';
import { type Durability, DurableSqliteDialect, WalFlusher } from '../src/durable.js';
import { openSqliteStorage } from '../src/index.js';

/** A flusher whose flushes are counted and finish only when the test lets them. */
class HeldFlusher {
  started = 0;
  private release: (() => void)[] = [];
  flush(): Promise<void> {
    this.started += 1;
    return new Promise((resolve) => this.release.push(resolve));
  }
  finishAll(): void {
    for (const r of this.release.splice(0)) r();
  }
  async close(): Promise<void> {}
}

const folder = mkdtempSync(join(tmpdir(), 'parley-durable-'));
after(() => rmSync(folder, { recursive: true, force: true }));

function database(name: string) {
  const sqlite = new BetterSqlite3(join(folder, name));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.exec('create table t (id integer primary key, v text)');
  const held = new HeldFlusher();
  const durability: Durability = { flusher: held as unknown as WalFlusher, level: 2 };
  const db = new Kysely<{ t: { id: Generated<number>; v: string } }>({
    dialect: new DurableSqliteDialect({ database: sqlite }, durability),
  });
  return { db, held, durability };
}

/** Whether `promise` settles within a few turns of the event loop. */
async function settlesSoon(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return settled;
}

describe('SQLite commits flushed off the event loop', () => {
  it('answers a commit only after the WAL flush finished', async () => {
    const { db, held } = database('commit.db');
    const committed = db.transaction().execute((trx) => trx.insertInto('t').values({ v: 'a' }).execute());
    assert.equal(await settlesSoon(committed), false, 'the commit waits for the flush');
    assert.equal(held.started, 1);
    held.finishAll();
    await committed;
    await db.destroy();
  });

  it('lets other queries run while a flush runs, but answers them only after it', async () => {
    const { db, held } = database('concurrent.db');
    const first = db.transaction().execute((trx) => trx.insertInto('t').values({ v: 'a' }).execute());
    await settlesSoon(first);
    let ran = false;
    const read = db
      .selectFrom('t')
      .selectAll()
      .execute()
      .then((rows) => {
        ran = true;
        return rows;
      });
    // The read ran (the next write finds the connection free) but is held: it saw a commit not yet on disk.
    const second = db.insertInto('t').values({ v: 'b' }).execute();
    assert.equal(
      await settlesSoon(read),
      false,
      'a read that may see an unflushed commit waits for the flush',
    );
    assert.equal(ran, false);
    assert.equal(held.started, 2, 'the second write queued its own flush meanwhile');
    held.finishAll();
    await first;
    assert.equal((await read).length, 1, 'and it saw the first commit');
    await new Promise((r) => setImmediate(r));
    held.finishAll();
    await second;
    const after = db.selectFrom('t').selectAll().execute();
    assert.equal(await settlesSoon(after), true, 'with everything on disk, a read is not held');
    assert.equal((await after).length, 2);
    await db.destroy();
  });

  it('does not hold relaxed bookkeeping, nor a read its caller marked as taking care of it', async () => {
    const { db, held } = database('exempt.db');
    const first = db.transaction().execute((trx) => trx.insertInto('t').values({ v: 'a' }).execute());
    await settlesSoon(first);
    const marked = db
      .selectFrom('t')
      .selectAll()
      .modifyEnd(sql.raw(` ${UNFLUSHED_READ}`))
      .execute();
    assert.equal(await settlesSoon(marked), true, 'a marked read is answered during the flush');
    const relaxed = db.connection().execute(async (conn) => {
      await sql`pragma synchronous = off`.execute(conn);
      await conn.transaction().execute((trx) => trx.insertInto('t').values({ v: 'r' }).execute());
      await sql.raw('pragma synchronous = 2').execute(conn);
    });
    assert.equal(await settlesSoon(relaxed), true, 'a relaxed commit does not wait for the flush either');
    const plain = db.selectFrom('t').selectAll().execute();
    assert.equal(await settlesSoon(plain), false, 'an unmarked read still waits');
    held.finishAll();
    await Promise.all([first, plain]);
    await db.destroy();
  });

  it('answers a transaction marked as flushed later before its flush, which it still starts', async () => {
    const { db, held } = database('later.db');
    const before = db.transaction().execute((trx) => trx.insertInto('t').values({ v: 'a' }).execute());
    await settlesSoon(before);
    assert.equal(held.started, 1);
    const later = db.transaction().execute(async (trx) => {
      await sql.raw(UNFLUSHED_COMMIT).execute(trx);
      // It reads what the commit before wrote (not on the disk yet) and writes: neither holds it.
      const seen = await trx.selectFrom('t').selectAll().execute();
      await trx.insertInto('t').values({ v: 'b' }).execute();
      return seen.length;
    });
    assert.equal(await settlesSoon(later), true, 'answered while the flush under way runs');
    assert.equal(await later, 1);
    assert.equal(held.started, 2, 'its own flush was asked for all the same');
    // A plain query, which is how its caller waits (`flushed`), waits for that flush; so does the commit before.
    const waited = db.selectFrom('t').selectAll().execute();
    assert.equal(await settlesSoon(waited), false);
    assert.equal(await settlesSoon(before), false);
    held.finishAll();
    assert.equal((await waited).length, 2);
    await before;
    // The mark lasts one use of the connection: the next commit waits as usual.
    const next = db.transaction().execute((trx) => trx.insertInto('t').values({ v: 'c' }).execute());
    assert.equal(await settlesSoon(next), false);
    held.finishAll();
    await next;
    await db.destroy();
  });

  it('flushes an autocommit write, but not a read or a rolled back transaction', async () => {
    const { db, held } = database('autocommit.db');
    const write = db.insertInto('t').values({ v: 'x' }).execute();
    await settlesSoon(write);
    assert.equal(held.started, 1);
    held.finishAll();
    await write;
    await db.selectFrom('t').selectAll().execute();
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ v: 'y' }).execute();
        throw new Error('changed my mind');
      }),
      /changed my mind/,
    );
    assert.equal(held.started, 1, 'neither the read nor the rollback flushed');
    await db.destroy();
  });

  it('skips the flush while the app set synchronous off, and reads back the level it set', async () => {
    const { db, held, durability } = database('relaxed.db');
    await db.connection().execute(async (conn) => {
      const before = await sql<{ synchronous: number }>`pragma synchronous`.execute(conn);
      assert.equal(before.rows[0]?.synchronous, 2);
      await sql`pragma synchronous = off`.execute(conn);
      await conn.transaction().execute((trx) => trx.insertInto('t').values({ v: 'r' }).execute());
      await sql.raw('pragma synchronous = 2').execute(conn);
    });
    assert.equal(held.started, 0, 'the relaxed commit was not flushed');
    assert.equal(durability.level, 2, 'and the level is back');
    await db.destroy();
  });
});

describe('WalFlusher', () => {
  it('shares flushes: callers during one get the next, never more than one queued', async () => {
    const path = join(folder, 'shared.wal');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path, 'x');
    const flusher = await WalFlusher.open(path);
    const handle = (flusher as unknown as { file: { datasync(): Promise<void> } }).file;
    const real = handle.datasync.bind(handle);
    let calls = 0;
    handle.datasync = () => {
      calls += 1;
      return real();
    };
    await Promise.all(Array.from({ length: 20 }, () => flusher.flush()));
    assert.ok(calls >= 1 && calls <= 2, `20 callers at once cost ${calls} flushes`);
    await flusher.close();
  });
});

describe('openSqliteStorage', () => {
  it('keeps what it committed across a reopen', async () => {
    const path = join(folder, 'store', 'parley.db');
    const first = await openSqliteStorage({ path });
    await first.accounts.register(
      { handle: 'zoe', passwordHash: 'scrypt$x', createdAt: 1 },
      { id: 'dev1', name: 'phone', tokenHash: 'h', createdAt: 1 },
    );
    await first.close();
    const again = await openSqliteStorage({ path });
    assert.ok(await again.accounts.getUser('zoe'));
    await again.close();
  });
});
