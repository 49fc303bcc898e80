/**
 * The three storage backends as tests open them: SQLite in memory (fast, nothing on disk), a SQLite file in a temporary folder, and PostgreSQL in a
 * schema of its own (so test runs cannot collide). PostgreSQL comes from `PARLEY_TEST_POSTGRES_URL`; without it the
 * PostgreSQL cases are skipped, except under `CI=true`, where its absence fails the run.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Storage } from '@parley/server';
import { dropSchema, openPostgresStorage } from '@parley/storage-postgres';
import { openSqliteStorage, type SqliteOptions } from '@parley/storage-sqlite';

export type BackendName = 'memory' | 'sqlite' | 'postgres';

export interface OpenedBackend {
  storage: Storage;
  /** Closes the storage and removes its files or schema. */
  destroy(): Promise<void>;
}

export interface Backend {
  name: BackendName;
  /** Why the backend cannot run here, or undefined when it can. */
  skip: string | undefined;
  open(): Promise<OpenedBackend>;
}

export const postgresUrl = process.env.PARLEY_TEST_POSTGRES_URL;

/** A schema name no other run uses. */
export function uniqueSchema(prefix = 'parley_test'): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export function tempDir(prefix = 'parley-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

function postgresSkip(): string | undefined {
  if (postgresUrl) return undefined;
  if (process.env.CI === 'true') {
    throw new Error('CI=true but PARLEY_TEST_POSTGRES_URL is not set: the PostgreSQL suite must run in CI');
  }
  return 'PARLEY_TEST_POSTGRES_URL is not set';
}

/**
 * SQLite in a file, each opening in a temporary folder of its own (removed by `destroy`). `folders` collects the
 * folders, for a test that reads the files afterwards; `flusher` wraps each WAL flusher (to hold or watch flushes).
 */
export function sqliteFiles(
  options: { prefix?: string; folders?: string[]; flusher?: SqliteOptions['flusher'] } = {},
): Backend {
  return {
    name: 'sqlite',
    skip: undefined,
    open: async () => {
      const dir = tempDir(options.prefix ?? 'parley-sqlite-');
      options.folders?.push(dir.path);
      const storage = await openSqliteStorage({
        path: join(dir.path, 'parley.db'),
        ...(options.flusher ? { flusher: options.flusher } : {}),
      });
      return {
        storage,
        destroy: async () => {
          await storage.close();
          dir.remove();
        },
      };
    },
  };
}

export const backends: Backend[] = [
  {
    name: 'memory',
    skip: undefined,
    open: async () => {
      const storage = await openSqliteStorage({ path: ':memory:' });
      return { storage, destroy: () => storage.close() };
    },
  },
  sqliteFiles(),
  {
    name: 'postgres',
    skip: postgresSkip(),
    open: async () => {
      const url = postgresUrl!;
      const schema = uniqueSchema();
      const storage = await openPostgresStorage({ url, schema });
      return {
        storage,
        destroy: async () => {
          await storage.close();
          await dropSchema(url, schema);
        },
      };
    },
  },
];
