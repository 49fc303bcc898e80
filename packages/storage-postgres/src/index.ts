/**
 * The production backend: PostgreSQL through pg. An optional schema keeps several providers (or test runs) apart
 * in one database.
 */
import { createSqlStorage, type Database, migrate, type Storage } from '@parley/server';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';

export interface PostgresOptions {
  /** `postgres://user@host:port/db` */
  url: string;
  /** Tables live in this schema (created when missing); default `public`. */
  schema?: string;
  /** Largest number of pooled connections. */
  poolSize?: number;
}

const INT8 = 20;
// 64-bit integers come back as numbers: sequences and times stay far below 2^53.
const parseInt8 = (value: string) => Number(value);

export async function openPostgresStorage(options: PostgresOptions): Promise<Storage> {
  const schema = options.schema ?? 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name: ${schema}`);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    options: `-c search_path=${schema}`,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8 ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
    await migrate(db as Kysely<unknown>, 'postgres', schema);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return createSqlStorage(db, 'postgres');
}

/** Drops a schema and everything in it (tests clean up their own). */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema.replaceAll('"', '')}" cascade`);
  } finally {
    await client.end();
  }
}
