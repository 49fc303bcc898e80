// `npm run bench [-- <part>...] [--quick] [--out <dir>]`: runs the registered benchmark parts (all, or those
// named), prints each part's table, and writes the figures to bench/results. `--quick` is a seconds-long smoke
// run of every part (tiny sizes, one repetition) whose results go to a temporary directory, never over the
// real ones; `--out` picks the directory instead.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeProbes, probeMachine } from './lib/machineProbe.ts';
import { machine, writeRecord } from './lib/results.ts';
import { renderTable } from './lib/table.ts';
import type { Part } from './part.ts';
import { parts } from './parts/index.ts';

function usage(problem: string): never {
  console.error(
    `${problem}\nusage: npm run bench -- [${parts.map((p) => p.name).join('|')}]... [--quick] [--out <dir>]`,
  );
  process.exit(2);
}

function parse(args: string[]): { selected: Part[]; quick: boolean; out: string | undefined } {
  let quick = false;
  let out: string | undefined;
  const names: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--quick') quick = true;
    else if (arg === '--out') out = args[++i] ?? usage('--out needs a directory');
    else if (arg.startsWith('-')) usage(`unknown option ${arg}`);
    else names.push(arg);
  }
  const selected = names.map((name) => parts.find((p) => p.name === name) ?? usage(`no part named ${name}`));
  return { selected: selected.length > 0 ? selected : parts, quick, out };
}

const { selected, quick, out } = parse(process.argv.slice(2));
const dir =
  out ??
  (quick
    ? mkdtempSync(join(tmpdir(), 'parley-bench-'))
    : fileURLToPath(new URL('./results/', import.meta.url)));
// The machine's own costs first, while nothing else runs (bench/lib/machineProbe.ts).
const probes = await probeMachine(quick ? 100 : 2_000);
const host = machine(probes);
console.log(
  `bench${quick ? ' --quick' : ''}: ${selected.map((p) => p.name).join(', ')} on ${host.cpu}, ` +
    `${host.cores} cores, Node ${host.node}; ${describeProbes(probes)}`,
);

let failed = false;
for (const part of selected) {
  const started = performance.now();
  try {
    const result = await part.run({ quick });
    const seconds = (performance.now() - started) / 1000;
    console.log(`\n${renderTable(result.table)}\n\n(${part.name}: ${seconds.toFixed(1)} s)`);
    const now = new Date();
    const file = writeRecord(
      dir,
      {
        part: part.name,
        description: part.description,
        date: now.toISOString().slice(0, 10),
        finishedAt: now.toISOString(),
        quick,
        seconds,
        machine: host,
        table: result.table,
        data: result.data,
      },
      parts.map((p) => p.name),
    );
    console.log(`wrote ${file}`);
  } catch (e) {
    failed = true;
    console.error(`bench part ${part.name} failed:`, e);
  }
}
process.exitCode = failed ? 1 : 0;
