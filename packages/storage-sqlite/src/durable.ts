/**
 * Durable commits that do not stop the event loop. With `synchronous=FULL` SQLite calls fsync inside COMMIT,
 * and better-sqlite3 runs COMMIT on the event loop: every commit stopped the whole provider for the disk's
 * flush (one to two milliseconds here), so nothing else — reading sockets, pushing to devices, federation —
 * moved meanwhile. Instead, SQLite runs with `synchronous=NORMAL` (in WAL mode: a commit writes the WAL without
 * flushing it; checkpoints flush the WAL before copying it and the database after), and after every commit
 * that must be durable this driver flushes the WAL file itself with `fdatasync` on libuv's thread pool, and
 * only then lets the commit's caller go on. Commits that arrive while a flush runs share the next one (group
 * fsync). The connection is released before the flush, so other queries run while the disk works; but whatever
 * they read is handed to their callers only once the flush under way has finished, so that nothing a crash of
 * the machine could still take back leaves the process (a message pushed to a device or sent to a peer before
 * its commit is on the disk could otherwise come back with another message under its sequence number). Three
 * kinds of use are not held: relaxed bookkeeping (run at `synchronous = off`), queries whose SQL ends with
 * UNFLUSHED_READ, and transactions that run UNFLUSHED_COMMIT (not passed to SQLite): their callers take care
 * of it themselves, and wait with a plain query (`flushed`) when they must. Such a transaction's flush is
 * started as any other's; only its caller is answered without waiting for it, so that it can prepare what
 * depends on the commit (sign a transaction, build frames) while the disk works.
 *
 * What is durable is unchanged: a caller told "committed" has its commit on the disk, as with FULL. The level
 * the app asked for is kept per connection: `pragma synchronous = off` (see the server's relaxed.ts) makes the
 * next commits skip the flush until the level is set back; reading `pragma synchronous` answers that level.
 * A flush covers every write to the file before it, from any descriptor (the WAL is written by SQLite's own).
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { UNFLUSHED_COMMIT, UNFLUSHED_READ } from '@parley/server';
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  SqliteDialect,
  type TransactionSettings,
} from 'kysely';

/** SQLite's `synchronous` levels by name, and the lowest that flushes every commit. */
export const LEVELS = { OFF: 0, NORMAL: 1, FULL: 2, EXTRA: 3 } as const;
const FLUSHED = LEVELS.FULL;

const SET_LEVEL = /^\s*pragma\s+synchronous\s*=\s*(\w+)\s*;?\s*$/i;
const GET_LEVEL = /^\s*pragma\s+synchronous\s*;?\s*$/i;

function levelOf(value: string): number | undefined {
  const named = LEVELS[value.toUpperCase() as keyof typeof LEVELS];
  if (named !== undefined) return named;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 && n <= 3 ? n : undefined;
}

/** Flushes of one file, shared: a caller gets a flush that started after it asked. */
export class WalFlusher {
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  constructor(private readonly file: FileHandle) {}

  static async open(walPath: string): Promise<WalFlusher> {
    // Read-only is enough for fdatasync on Linux; SQLite keeps the file (one connection, never closed early).
    return new WalFlusher(await open(walPath, 'r'));
  }

  flush(): Promise<void> {
    if (!this.running) {
      this.running = this.file.datasync().finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    // A flush under way may have started before this caller's write: it waits for the one after.
    this.next ??= this.running
      .catch(() => {})
      .then(() => {
        this.next = undefined;
        return this.flush();
      });
    return this.next;
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

/** What the driver needs of a flusher: a WalFlusher, or a test's wrapper around one. */
export interface Flusher {
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Where the driver finds its flusher once the WAL exists (after the first write, i.e. after migrating). */
export interface Durability {
  flusher: Flusher | undefined;
  /** The level the app asked for (`pragma synchronous`), FULL by default. */
  level: number;
}

/** A connection that keeps the level the app asks for, and notes writes made outside a transaction. */
class LevelKeepingConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly driver: DurableDriver,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const set = SET_LEVEL.exec(query.sql);
    const level = set ? levelOf(set[1]!) : undefined;
    if (level !== undefined) {
      this.driver.durability.level = level;
      return { rows: [] };
    }
    if (GET_LEVEL.test(query.sql)) {
      return { rows: [{ synchronous: this.driver.durability.level } as R] };
    }
    if (query.sql === UNFLUSHED_COMMIT) {
      this.driver.unheld = true;
      return { rows: [] };
    }
    if (this.driver.durability.level >= FLUSHED && !query.sql.endsWith(UNFLUSHED_READ))
      this.driver.held = true;
    const result = await this.inner.executeQuery<R>(query);
    if (!this.driver.inTransaction && (result.numAffectedRows ?? 0n) > 0n) this.driver.wrote();
    return result;
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

class DurableDriver implements Driver {
  inTransaction = false;
  /** This use of the connection ran a query whose result must wait for commits it may have seen. */
  held = false;
  /** This use's caller waits for the flush itself (UNFLUSHED_COMMIT), whatever it wrote or read. */
  unheld = false;
  /** A write of this use of the connection must reach the disk before the user goes on. */
  private owed = false;
  /** While a durable commit is not yet on the disk: the flush that will put every one so far there. */
  private unflushed: Promise<void> | undefined;
  private connection: LevelKeepingConnection | undefined;

  constructor(
    private readonly inner: Driver,
    readonly durability: Durability,
  ) {}

  wrote(): void {
    if (this.durability.level >= FLUSHED) this.owed = true;
  }

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const raw = await this.inner.acquireConnection();
    this.held = false;
    this.unheld = false;
    this.connection ??= new LevelKeepingConnection(raw, this);
    return this.connection;
  }

  private raw(connection: DatabaseConnection): DatabaseConnection {
    return connection instanceof LevelKeepingConnection ? connection.inner : connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await this.inner.beginTransaction(this.raw(connection), settings);
    this.inTransaction = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    this.inTransaction = false;
    await this.inner.commitTransaction(this.raw(connection));
    this.wrote();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    this.inTransaction = false;
    await this.inner.rollbackTransaction(this.raw(connection));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const flusher = this.durability.flusher;
    const owed = this.owed;
    if (owed && flusher) {
      const flushed = flusher.flush();
      this.unflushed = flushed;
      const settled = () => {
        if (this.unflushed === flushed) this.unflushed = undefined;
      };
      flushed.then(settled, settled);
    }
    this.owed = false;
    // This use's commit, or another's that it may have read, is on the disk before the user goes on.
    const waitFor = !this.unheld && (owed || this.held) ? this.unflushed : undefined;
    this.held = false;
    this.unheld = false;
    // Released first: others use the connection while the disk flushes.
    await this.inner.releaseConnection(this.raw(connection));
    if (waitFor) await waitFor;
  }

  async destroy(): Promise<void> {
    await this.inner.destroy();
    await this.durability.flusher?.close();
    this.durability.flusher = undefined;
  }
}

/** Kysely's SQLite dialect with commits flushed as above. */
export class DurableSqliteDialect extends SqliteDialect {
  constructor(
    config: ConstructorParameters<typeof SqliteDialect>[0],
    private readonly durability: Durability,
  ) {
    super(config);
  }

  override createDriver(): Driver {
    return new DurableDriver(super.createDriver(), this.durability);
  }
}
