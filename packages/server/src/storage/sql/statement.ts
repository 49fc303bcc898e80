/**
 * Statements of the delivery path, written once as SQL text and run without the query builder. A group commit,
 * a federation transaction and an acknowledgement each run a handful of small statements; built with Kysely,
 * each was made of operation nodes, frozen, compiled and turned to text again on every run — more JavaScript
 * than the statement's own work in SQLite, and code that V8 optimizes late, since it runs once per batch, not
 * once per message. Here the text is made once per flavour: `?` marks for SQLite, `$1, $2, …` for PostgreSQL.
 * Table and column names are constants of this package, never input; every value is a parameter.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from './schema.js';

/** The two relational backends: what differs between them is spelled out where it matters (row locks, say). */
export type Flavor = 'sqlite' | 'postgres';
/** A statement's parameter. */
export type Value = string | number | Uint8Array | null;

/** `?` marks numbered for PostgreSQL. The texts here hold no `?` but marks (no literals, no `?|` operators). */
function numbered(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

export class Statement<Row = Record<string, never>> {
  private readonly texts: Record<Flavor, string>;

  /** `text` with `?` marks; `postgres` only where PostgreSQL needs more (a row lock, say), with the same marks. */
  constructor(text: string, postgres: string = text) {
    this.texts = { sqlite: text, postgres: numbered(postgres) };
  }

  private run(db: Kysely<Database>, flavor: Flavor, values: readonly Value[]) {
    return db.executeQuery<Row>(CompiledQuery.raw(this.texts[flavor], values as Value[]));
  }

  async all(db: Kysely<Database>, flavor: Flavor, values: readonly Value[]): Promise<Row[]> {
    return (await this.run(db, flavor, values)).rows;
  }

  async first(db: Kysely<Database>, flavor: Flavor, values: readonly Value[]): Promise<Row | undefined> {
    return (await this.run(db, flavor, values)).rows[0];
  }

  /** Runs a write; answers how many rows it changed. */
  async write(db: Kysely<Database>, flavor: Flavor, values: readonly Value[]): Promise<number> {
    return Number((await this.run(db, flavor, values)).numAffectedRows ?? 0n);
  }
}

/**
 * A statement with one `in (…)` list, its text made per length of the list and kept: `text` holds `(?…)` where
 * the list goes. Lists here are as long as a batch's rooms or a room's local members: a few lengths recur.
 */
export class ListStatement<Row = Record<string, never>> {
  private readonly made = new Map<number, Statement<Row>>();

  constructor(private readonly text: string) {}

  of(length: number): Statement<Row> {
    let statement = this.made.get(length);
    if (!statement) {
      statement = new Statement<Row>(this.text.replace('(?…)', `(${Array(length).fill('?').join(', ')})`));
      if (this.made.size >= 64) this.made.delete(this.made.keys().next().value!);
      this.made.set(length, statement);
    }
    return statement;
  }
}
