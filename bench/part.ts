// What a benchmark part is: a name, and a run that returns one table (printed and written to bench/results)
// plus its raw figures as JSON. Parts are registered in parts/index.ts.

export interface PartOptions {
  /** Smoke run: tiny sizes and one repetition, seconds in all; the figures mean nothing. */
  quick: boolean;
}

export interface Column {
  title: string;
  align: 'left' | 'right';
}

export interface Table {
  title: string;
  columns: Column[];
  rows: string[][];
  /** How to read the table: units, what is compared, what was reduced. */
  notes: string[];
}

export interface PartResult {
  table: Table;
  /** The figures behind the table, as written to the JSON results. */
  data: unknown;
}

export interface Part {
  name: string;
  description: string;
  run(options: PartOptions): Promise<PartResult>;
}
