/**
 * Multi-row inserts written as SQL text directly. A group commit inserts dozens of rows of a dozen columns;
 * Kysely's builder makes, freezes and compiles an operation node per value, which cost more than the insert
 * itself. Table and column names here are constants of this package, never input; every value is a parameter.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { Flavor, Value } from './statement.js';

export type { Value } from './statement.js';

/** Parameters per statement: far below SQLite's 32,766 and PostgreSQL's 65,535. */
const MAX_PARAMETERS = 4096;

/**
 * Inserts `rows` (values in `columns` order) into `table`, in as few statements as the parameter limit allows;
 * `suffix` is appended to each (an `on conflict … do nothing`, say). Answers how many rows were inserted.
 */
export async function insertRows(
  db: Kysely<Database>,
  flavor: Flavor,
  table: string,
  columns: readonly string[],
  rows: readonly Value[][],
  suffix = '',
): Promise<number> {
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / columns.length));
  const head = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values `;
  let inserted = 0;
  for (let at = 0; at < rows.length; at += perStatement) {
    const chunk = rows.slice(at, at + perStatement);
    const parameters: Value[] = [];
    const tuples: string[] = [];
    for (const row of chunk) {
      const marks: string[] = [];
      for (const value of row) {
        parameters.push(value);
        marks.push(flavor === 'postgres' ? `$${parameters.length}` : '?');
      }
      tuples.push(`(${marks.join(', ')})`);
    }
    const result = await db.executeQuery(
      CompiledQuery.raw(`${head}${tuples.join(', ')}${suffix}`, parameters),
    );
    inserted += Number(result.numAffectedRows ?? 0n);
  }
  return inserted;
}
