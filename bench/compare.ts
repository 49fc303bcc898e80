// `npm run bench:compare -- <other checkout> [--messages N] [--pairs N] [--window N] [--warm-up N]`: Parley's federated
// delivery (the federation part's system: alice@a → bob@b, two `parley serve` processes) from another checkout of
// this repository — a worktree of main, say, with its own node_modules — beside this checkout's, in one run. Both
// are set up first; then their runs alternate (base, this; this, base; …) so that the machine's drift, a third
// within minutes here, falls on both. Prints every run and the medians: messages/s, p50 and p99 latency, and the
// CPU each process spent per message (the bench client, hub a, follower b) and the bytes the providers wrote to
// the disk per message, read from /proc (Linux only).
// Single runs differ by ±15% on this machine: judge a change by many pairs, never by one. Each side first delivers
// `--warm-up` untimed messages (30,000 by default): V8 compiles a provider's per-batch code for tens of seconds
// after start, and a change is judged at the steady speed. Nothing is written.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DeliverySystem } from './lib/delivery.ts';
import { parleySystem } from './lib/parleySystem.ts';
import { sig3, summarize } from './lib/stats.ts';

interface Options {
  base: string;
  messages: number;
  pairs: number;
  window: number;
  warmUp: number;
}

function usage(problem: string): never {
  console.error(
    `${problem}\nusage: npm run bench:compare -- <other checkout> [--messages N] [--pairs N] [--window N] [--warm-up N]`,
  );
  process.exit(2);
}

function count(value: string | undefined, name: string, max: number, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) usage(`${name} takes a whole number from ${min} to ${max}`);
  return n;
}

function parse(args: string[]): Options {
  const options = { messages: 10_000, pairs: 6, window: 100, warmUp: 30_000 };
  let base: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--messages') options.messages = count(args[++i], arg, 100_000);
    else if (arg === '--pairs') options.pairs = count(args[++i], arg, 50);
    else if (arg === '--window') options.window = count(args[++i], arg, 1_000);
    else if (arg === '--warm-up') options.warmUp = count(args[++i], arg, 1_000_000, 0);
    else if (arg.startsWith('-')) usage(`unknown option ${arg}`);
    else if (base === undefined) base = resolve(arg);
    else usage(`one other checkout only (${arg})`);
  }
  if (!base) usage('name the other checkout');
  if (!existsSync(join(base, 'bench/lib/parleySystem.ts')))
    usage(`${base} is not a checkout of this repository`);
  if (!existsSync(join(base, 'node_modules'))) usage(`${base} has no node_modules: run npm ci there first`);
  return { base, ...options };
}

/** The processes this one started, by pid (Linux: /proc; elsewhere none). */
function children(): number[] {
  const file = `/proc/${process.pid}/task/${process.pid}/children`;
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

/** CPU time (user + system) a process has used, in ms; 0 once it is gone. */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms
  } catch {
    return 0;
  }
}

/** The providers' pids, hub a first: told apart by their command lines. */
function providers(pids: number[]): number[] {
  const domain = (pid: number) => {
    try {
      return /--domain\0([^\0]+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1] ?? '';
    } catch {
      return '';
    }
  };
  return [...pids].sort((x, y) => domain(x).localeCompare(domain(y)));
}

/** Bytes a process caused to be written to the disk (page cache writes included), in KB; 0 once it is gone. */
function writtenKb(pid: number): number {
  try {
    return Number(/^write_bytes: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1] ?? 0) / 1000;
  } catch {
    return 0;
  }
}

interface Side {
  name: string;
  system: DeliverySystem;
  /** The bench client (this process), hub a, follower b. */
  pids: number[];
  rows: number[][];
}

const COLUMNS = [
  'messages/s',
  'p50 ms',
  'p99 ms',
  'client µs/msg',
  'hub µs/msg',
  'follower µs/msg',
  'hub disk KB/msg',
  'follower disk KB/msg',
];

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  const limits = { stallMs: 30_000, deadlineMs: 60_000 + options.messages * 60 };
  const other = (await import(pathToFileURL(join(options.base, 'bench/lib/parleySystem.ts')).href)) as {
    parleySystem: typeof parleySystem;
  };
  const sides: Side[] = [
    { name: 'base', system: other.parleySystem({ limits }), pids: [], rows: [] },
    { name: 'this', system: parleySystem({ limits }), pids: [], rows: [] },
  ];
  try {
    for (const side of sides) {
      const before = children();
      await side.system.setup();
      side.pids = [process.pid, ...providers(children().filter((pid) => !before.includes(pid)))];
      if (side.pids.length !== 3)
        throw new Error(`${side.name}: its two provider processes were not found in /proc`);
      if (options.warmUp > 0) await side.system.send(options.warmUp, 100); // untimed
    }
    for (let pair = 0; pair < options.pairs; pair++) {
      for (const side of pair % 2 === 0 ? sides : [...sides].reverse()) {
        const before = side.pids.map(cpuMs);
        const disk = side.pids.slice(1).map(writtenKb);
        const run = await side.system.send(options.messages, options.window);
        const cpu = side.pids.map((pid, i) => ((cpuMs(pid) - before[i]!) * 1000) / options.messages);
        const written = side.pids.slice(1).map((pid, i) => (writtenKb(pid) - disk[i]!) / options.messages);
        const row = [run.messagesPerSecond, run.latencyMs.p50, run.latencyMs.p99, ...cpu, ...written];
        side.rows.push(row);
        console.log(`${side.name} ${row.map((v, i) => `${COLUMNS[i]} ${sig3(v)}`).join(', ')}`);
      }
    }
  } finally {
    for (const side of sides) await side.system.teardown();
  }
  const medians = sides.map((side) => COLUMNS.map((_, i) => summarize(side.rows.map((r) => r[i]!)).median));
  console.log(
    `\nmedians of ${options.pairs} runs each, ${options.messages} messages at ${options.window} in flight:`,
  );
  for (const [i, column] of COLUMNS.entries()) {
    const [base, mine] = [medians[0]![i]!, medians[1]![i]!];
    console.log(
      `  ${column.padEnd(16)} base ${sig3(base).padStart(7)}  this ${sig3(mine).padStart(7)}  this ÷ base ${sig3(mine / base)}`,
    );
  }
  const perPair = sides[0]!.rows.map((row, i) => sig3(sides[1]!.rows[i]![0]! / row[0]!));
  console.log(`  messages/s this ÷ base, pair by pair: ${perPair.join(' ')}`);
}

await main();
