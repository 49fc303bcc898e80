// Where results go: results/<YYYY-MM-DD>-<part>.json per run, latest.json with every part's newest record,
// and README.md rendered from latest.json.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { Table } from '../part.ts';
import { describeProbes, type MachineProbes } from './machineProbe.ts';
import { renderTable } from './table.ts';

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  os: string;
  /** Measured at the start of the run (absent in records from before 2026-11-30 03:30). */
  probes?: MachineProbes;
}

export interface PartRecord {
  part: string;
  description: string;
  /** UTC day of the run, YYYY-MM-DD. */
  date: string;
  finishedAt: string;
  quick: boolean;
  seconds: number;
  machine: Machine;
  table: Table;
  data: unknown;
}

export function machine(probes?: MachineProbes): Machine {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    node: process.version,
    os: `${os.platform()} ${os.release()}`,
    ...(probes ? { probes } : {}),
  };
}

function readLatest(path: string): Record<string, PartRecord> {
  if (!existsSync(path)) return {};
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, PartRecord>;
}

function readme(latest: Record<string, PartRecord>, order: string[]): string {
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  const records = Object.values(latest).sort((a, b) => rank(a.part) - rank(b.part));
  const sections = records.map((r) =>
    [
      `## ${r.part}`,
      '',
      r.description,
      '',
      `${r.date}; ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.os}, Node ${r.machine.node}; ` +
        `the part took ${Math.round(r.seconds)} s` +
        (r.machine.probes ? `; ${describeProbes(r.machine.probes)}.` : '.'),
      '',
      renderTable(r.table),
    ].join('\n'),
  );
  return [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (bench/run.ts) from latest.json: the newest figures of every part. Do not edit.',
    'The machine is shared and noisy; compare figures of the same run only.',
    '',
    ...sections.flatMap((s) => [s, '']),
  ].join('\n');
}

/** Writes one part's record and refreshes latest.json and README.md in `dir`. Returns the dated file. */
export function writeRecord(dir: string, record: PartRecord, order: string[]): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${record.date}-${record.part}.json`);
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
  const latestPath = join(dir, 'latest.json');
  const latest = { ...readLatest(latestPath), [record.part]: record };
  writeFileSync(latestPath, `${JSON.stringify(latest, null, 2)}\n`);
  writeFileSync(join(dir, 'README.md'), readme(latest, order));
  return file;
}
