// What the machine itself costs the delivery path, measured once at the start of a bench run: a loopback TCP
// round trip between two processes, a round trip through libuv's thread pool, and a flush of a WAL-sized write.
// Parley's wave crosses all three several times; Prosody's path only the first. Figures of different runs are
// not comparable by themselves (the machine is shared and changes from one session to the next), but these
// say how the machine of a run differed from another's: on 2026-11-30 the same code's single message took 2.0
// ms on one machine and 3.4 ms on the next, with the same CPU speed.
import { spawn } from 'node:child_process';
import { closeSync, fdatasync, mkdtempSync, openSync, rmSync, stat, writeSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile } from './delivery.ts';

export interface Latency {
  p50: number;
  p99: number;
}

export interface MachineProbes {
  /** Milliseconds for one byte to a child process over loopback TCP and back (TCP_NODELAY both ways). */
  loopbackEchoMs: Latency;
  /** Milliseconds for an `fs.stat` through libuv's thread pool, call to callback. */
  threadPoolMs: Latency;
  /** Milliseconds for `fdatasync` (on the thread pool) after writing 256 KiB, a wave's WAL at a hub. */
  fdatasyncMs: Latency;
  samples: number;
}

const ECHO = `
const net = require('node:net');
const server = net.createServer((c) => { c.setNoDelay(true); c.on('data', (d) => c.write(d)); });
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

function spread(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}

async function loopbackEcho(n: number): Promise<Latency> {
  const child = spawn(process.execPath, ['-e', ECHO], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('machine probe: the echo process did not start')),
        10_000,
      );
      child.stdout!.once('data', (d: Buffer) => {
        clearTimeout(timer);
        resolve(Number(d.toString().trim()));
      });
      child.once('exit', () => reject(new Error('machine probe: the echo process exited')));
    });
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      const started = performance.now();
      const back = new Promise((resolve) => socket.once('data', resolve));
      socket.write('x');
      await back;
      samples.push(performance.now() - started);
    }
    socket.destroy();
    return spread(samples);
  } finally {
    child.kill();
  }
}

async function threadPool(n: number): Promise<Latency> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await new Promise<void>((resolve, reject) =>
      stat(tmpdir(), (error) => (error ? reject(error) : resolve())),
    );
    samples.push(performance.now() - started);
  }
  return spread(samples);
}

async function flushes(n: number): Promise<Latency> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-probe-'));
  const fd = openSync(join(dir, 'wal'), 'w');
  const block = Buffer.alloc(256 * 1024, 7);
  try {
    const samples: number[] = [];
    for (let i = 0; i < n; i++) {
      // The same 4 MiB rewritten in turn, as a WAL is after a checkpoint.
      writeSync(fd, block, 0, block.length, (i * block.length) % (4 * 1024 * 1024));
      const started = performance.now();
      await new Promise<void>((resolve, reject) =>
        fdatasync(fd, (error) => (error ? reject(error) : resolve())),
      );
      samples.push(performance.now() - started);
    }
    return spread(samples);
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The three probes, `samples` round trips each (a few seconds in all at 2,000). */
export async function probeMachine(samples: number): Promise<MachineProbes> {
  return {
    loopbackEchoMs: await loopbackEcho(samples),
    threadPoolMs: await threadPool(samples),
    fdatasyncMs: await flushes(Math.max(1, Math.round(samples / 4))),
    samples,
  };
}

/** One line for a table's notes: `loopback echo 0.049/1.3 ms (p50/p99), …`. */
export function describeProbes(p: MachineProbes): string {
  const f = (l: Latency) => `${l.p50.toFixed(3)}/${l.p99.toFixed(3)} ms`;
  return (
    `machine probes at the start of the run (p50/p99): loopback TCP echo between two processes ` +
    `${f(p.loopbackEchoMs)}, thread-pool round trip ${f(p.threadPoolMs)}, fdatasync of 256 KiB ` +
    `${f(p.fdatasyncMs)}`
  );
}
