// The runs of the connections part (bench/parts/connections.ts): one Parley run is a fresh provider on the
// seeded database, a warm-up, a reading, N device streams connected from the client processes, a settle period
// and a second reading; one Prosody run is the same with a fresh server and N c2s sessions.
import { join } from 'node:path';
import { type Memory, ParleyProvider } from './parleyConnections.ts';
import { type ProsodyMemory, ProsodyUnderLoad } from './prosodyConnections.ts';
import { StreamClients } from './streamClients.ts';

export interface RunSettings {
  /** Devices dropped again before the baseline, so that first-use code and caches are not counted. */
  warmUp: number;
  /** Idle time between the last `ready` and the second reading. */
  settleMs: number;
}

/** Handshakes in flight at a time, over all client processes. */
export const CONCURRENCY = 64;
/** Streams per client process at most; its share of the source addresses keeps it far from running out of ports. */
export const PER_WORKER = 12_500;
/** Source addresses 127.0.0.2 … 127.0.0.9, dealt to the devices in turn. */
export const SOURCES = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 2}`);
/** Bound of one run's connecting: 2 minutes plus 20 ms a device. */
const connectDeadline = (n: number) => 120_000 + n * 20;

export interface Run {
  devices: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  /** (RSS after − RSS before) ÷ devices. */
  rssPerDeviceBytes: number;
  /** JS heap used (Parley) or Lua heap (Prosody) after − before, ÷ devices. */
  heapPerDeviceBytes: number;
  connectsPerSecond: number;
  connectMs: { p50: number; p99: number; max: number };
  /** Parley only: process.memoryUsage() before and after, bytes. */
  node?: { before: Memory['node']; after: Memory['node'] };
  /** Prosody only: the Lua heap before and after, bytes. */
  lua?: { before: number; after: number };
  extensions?: string;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

function latencies(ms: number[]): Run['connectMs'] {
  const sorted = [...ms].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? Number.NaN };
}

export const workersFor = (n: number) => Math.max(1, Math.ceil(n / PER_WORKER));

/** One Parley run: a fresh provider on the seeded database, N of its devices connected, two readings. */
export async function parleyRun(
  dataDir: string,
  tokens: string[],
  n: number,
  plan: RunSettings,
  heapDir?: string,
): Promise<Run> {
  const provider = await ParleyProvider.start(dataDir, n);
  let clients: StreamClients | undefined;
  try {
    // The warm-up devices are the run's own first ones: the provider's token cache then holds N entries, as it
    // would with N devices and no warm-up.
    const warm = await StreamClients.start(1, 120_000);
    try {
      const done = await warm.connect(
        provider.streamUrl,
        tokens.slice(0, Math.min(plan.warmUp, n)),
        SOURCES,
        16,
        60_000,
      );
      if (done.failed > 0)
        throw new Error(`connections: warm-up: ${done.failed} failed (${done.firstError})`);
    } finally {
      await warm.stop();
    }
    clients = await StreamClients.start(workersFor(n), 900_000);
    await new Promise((r) => setTimeout(r, 1_000)); // the provider sees the warm-up streams close
    const before = await provider.memory();
    if (heapDir) await provider.inspector.heapSnapshot(join(heapDir, `parley-${n}-before.heapsnapshot`));
    const result = await clients.connect(
      provider.streamUrl,
      tokens.slice(0, n),
      SOURCES,
      CONCURRENCY,
      connectDeadline(n),
    );
    if (result.failed > 0)
      throw new Error(`connections: ${result.failed} of ${n} streams failed (${result.firstError})`);
    await new Promise((r) => setTimeout(r, plan.settleMs));
    const status = await clients.status();
    if (status.open !== n || status.dropped > 0)
      throw new Error(
        `connections: ${status.open} of ${n} streams open after settling (${status.firstDrop})`,
      );
    const after = await provider.memory();
    if (heapDir) await provider.inspector.heapSnapshot(join(heapDir, `parley-${n}-after.heapsnapshot`));
    return {
      devices: n,
      rssBeforeBytes: before.rssBytes,
      rssAfterBytes: after.rssBytes,
      rssPerDeviceBytes: (after.rssBytes - before.rssBytes) / n,
      heapPerDeviceBytes: (after.node.heapUsed - before.node.heapUsed) / n,
      connectsPerSecond: n / (result.ms / 1000),
      connectMs: latencies(result.latencies),
      node: { before: before.node, after: after.node },
      extensions: result.extensions,
    };
  } finally {
    await clients?.stop();
    await provider.stop();
  }
}

/** One Prosody run: a fresh server, N sessions logged in, two readings. */
export async function prosodyRun(n: number, plan: RunSettings): Promise<Run> {
  const warmUp = Math.min(plan.warmUp, n);
  const server = await ProsodyUnderLoad.start(n + warmUp);
  try {
    const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
    await server.connect(range(n, warmUp), 16);
    await server.disconnect();
    await new Promise((r) => setTimeout(r, 1_000));
    const before: ProsodyMemory = await server.memory();
    const started = performance.now();
    const ms = await server.connect(range(0, n), CONCURRENCY);
    const seconds = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, plan.settleMs));
    const after = await server.memory();
    return {
      devices: n,
      rssBeforeBytes: before.rssBytes,
      rssAfterBytes: after.rssBytes,
      rssPerDeviceBytes: (after.rssBytes - before.rssBytes) / n,
      heapPerDeviceBytes: (after.luaBytes - before.luaBytes) / n,
      connectsPerSecond: n / seconds,
      connectMs: latencies(ms),
      lua: { before: before.luaBytes, after: after.luaBytes },
    };
  } finally {
    await server.stop();
  }
}
