// Connections: what an idle, authenticated device stream costs the provider. N devices (1,000, 10,000 and 50,000)
// open their WebSocket stream (/v1/stream, auth frame, `ready`) to one `parley serve` process and stay idle; the
// provider's RSS is read before and after, each time after a forced full GC, and the difference ÷ N is the cost
// of one device. The time to connect and authenticate all N (a bounded number of handshakes in flight) gives
// connects per second. Prosody at 1,000 idle c2s sessions (SASL PLAIN, bound resource, presence) is measured the
// same way beside it. The target: under 20 KiB of server memory per idle device.
// `PARLEY_BENCH_HEAP=DIR` adds one untimed run (at 10,000, or the quick size) with a heap snapshot before and
// after into DIR, and prints which new objects each device costs and what holds them (bench/lib/heapDiff.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CONCURRENCY,
  PER_WORKER,
  parleyRun,
  prosodyRun,
  type Run,
  type RunSettings,
  SOURCES,
  workersFor,
} from '../lib/connectionRuns.ts';
import { heapGrowth } from '../lib/heapDiff.ts';
import { DOMAIN, dataFolder, SPARE_FILES, seedDevices, streamCeiling } from '../lib/parleyConnections.ts';
import { ratio, type Summary, sig3, summarize } from '../lib/stats.ts';
import { ensureProsody, prosodyVersion } from '../lib/xmppProsody.ts';
import type { Part, PartOptions, PartResult, Table } from '../part.ts';

interface Size {
  devices: number;
  reps: number; // runs; at least 3 for real figures where time allows
}

interface Plan extends RunSettings {
  parley: Size[];
  prosody: Size | undefined;
}

const FULL: Plan = {
  parley: [
    { devices: 1_000, reps: 3 },
    { devices: 10_000, reps: 3 },
    { devices: 50_000, reps: 1 },
  ],
  prosody: { devices: 1_000, reps: 3 },
  warmUp: 100,
  settleMs: 3_000,
};
const QUICK: Plan = {
  parley: [{ devices: 200, reps: 1 }],
  prosody: { devices: 200, reps: 1 },
  warmUp: 20,
  settleMs: 500,
};

const TARGET_KIB = 20;

/** “1 at 1,000, 2 at 19,000”: client processes per Parley size. */
const workerCounts = (all: SizeFigures[]) =>
  all
    .filter((s) => s.system === 'Parley')
    .map((s) => `${workersFor(s.devices)} at ${s.devices.toLocaleString('en-US')}`)
    .join(', ');

const FIGURES = {
  rss: { label: 'RSS per idle device, KiB', of: (r: Run) => r.rssPerDeviceBytes / 1024 },
  heap: { label: 'heap per idle device, KiB', of: (r: Run) => r.heapPerDeviceBytes / 1024 },
  connects: { label: 'connects/s (to ready)', of: (r: Run) => r.connectsPerSecond },
  p50: { label: 'connect → ready p50 ms', of: (r: Run) => r.connectMs.p50 },
  p99: { label: 'connect → ready p99 ms', of: (r: Run) => r.connectMs.p99 },
} as const;
type Figure = keyof typeof FIGURES;

const PROSODY_LABELS: Record<Figure, string> = {
  rss: 'RSS per idle session, KiB',
  heap: 'Lua heap per idle session, KiB',
  connects: 'logins/s (to presence)',
  p50: 'connect → presence p50 ms',
  p99: 'connect → presence p99 ms',
};

interface SizeFigures {
  system: 'Parley' | 'Prosody';
  devices: number;
  runs: Run[];
  summary: Record<Figure, Summary>;
}

function summarized(system: SizeFigures['system'], devices: number, runs: Run[]): SizeFigures {
  const summary = {} as Record<Figure, Summary>;
  for (const f of Object.keys(FIGURES) as Figure[]) summary[f] = summarize(runs.map(FIGURES[f].of));
  return { system, devices, runs, summary };
}

/**
 * The sizes this machine can hold: one larger than a provider's open-files ceiling is cut to the largest whole
 * thousand (or hundred) below it and run three times (it is then small enough), or left out if a size before it
 * is that already; a note says so.
 */
function fitted(sizes: Size[], notes: string[]): Size[] {
  const ceiling = streamCeiling();
  const fits: Size[] = [];
  for (const size of sizes) {
    if (size.devices <= ceiling.streams) {
      fits.push(size);
      continue;
    }
    const step = ceiling.streams >= 1000 ? 1000 : 100;
    const devices = Math.floor(ceiling.streams / step) * step;
    const what = `${size.devices.toLocaleString('en-US')} devices could not be run`;
    const instead = fits.some((s) => s.devices === devices) || devices === 0 ? undefined : devices;
    console.error(`connections: ${what}: ${ceiling.why}; ${instead ?? 'left out'}`);
    notes.push(
      `${what}: one provider process holds at most ${ceiling.streams.toLocaleString('en-US')} streams here ` +
        `— ${ceiling.why}, less ${SPARE_FILES} for its other files — so ` +
        (instead === undefined
          ? 'it was left out.'
          : `${instead.toLocaleString('en-US')} ran in their place, three times.`),
    );
    if (instead !== undefined) fits.push({ devices: instead, reps: Math.max(size.reps, 3) });
  }
  if (fits.length === 0) throw new Error(`connections: no size fits (${ceiling.why})`);
  return fits;
}

function table(all: SizeFigures[], plan: Plan, quick: boolean, notes: string[], seconds: number): Table {
  const count = (n: number) => n.toLocaleString('en-US');
  const rows = all.flatMap((s) =>
    (Object.keys(FIGURES) as Figure[]).map((f) => [
      s.system,
      count(s.devices),
      s.system === 'Prosody' ? PROSODY_LABELS[f] : FIGURES[f].label,
      String(s.runs.length),
      sig3(s.summary[f].min),
      sig3(s.summary[f].median),
      sig3(s.summary[f].max),
    ]),
  );
  const parley = all.filter((s) => s.system === 'Parley');
  for (const s of parley) {
    const worst = s.summary.rss.max;
    rows.push([
      `target < ${TARGET_KIB} KiB`,
      count(s.devices),
      'RSS per idle device (worst run)',
      String(s.runs.length),
      '—',
      worst < TARGET_KIB ? `met (${sig3(worst)})` : `NOT met (${sig3(worst)})`,
      '—',
    ]);
  }
  const prosody = all.find((s) => s.system === 'Prosody');
  const alike = prosody && parley.find((s) => s.devices === prosody.devices);
  if (prosody && alike) {
    for (const f of ['rss', 'connects'] as const) {
      rows.push([
        'Parley ÷ Prosody',
        count(prosody.devices),
        FIGURES[f].label,
        '—',
        '—',
        ratio(alike.summary[f].median / prosody.summary[f].median),
        '—',
      ]);
    }
  }
  const sizes = all
    .filter((s) => s.system === 'Parley')
    .map((s) => count(s.devices))
    .join(', ');
  return {
    title: `connections: idle authenticated device streams, ${sizes} devices${quick ? ' (quick smoke run)' : ''}`,
    columns: [
      { title: 'system', align: 'left' },
      { title: 'devices', align: 'right' },
      { title: 'figure', align: 'left' },
      { title: 'runs', align: 'right' },
      { title: 'min', align: 'right' },
      { title: 'median', align: 'right' },
      { title: 'max', align: 'right' },
    ],
    rows,
    notes: [
      'RSS per idle device = (server RSS with N idle streams − RSS before they connected) ÷ N, RSS being VmRSS ' +
        'of /proc/PID/status, each reading taken after two forced full collections and a 1 s pause (Parley: ' +
        'HeapProfiler.collectGarbage over the inspector, the provider started with --inspect=127.0.0.1:0; ' +
        'Prosody: collectgarbage("collect") through mod_admin_shell). Heap per idle device = the same difference ' +
        'of process.memoryUsage().heapUsed (Parley) or collectgarbage("count") (Prosody) ÷ N. The “before” ' +
        `reading follows a warm-up in which ${plan.warmUp} devices connect and leave, so that first-use code and ` +
        'pools are not counted; the “after” reading follows ' +
        `${plan.settleMs / 1000} s of idleness, every stream checked still open. Each run is a fresh server process.`,
      `connects/s = N ÷ (time from the first connect to the last \`ready\`), ${CONCURRENCY} handshakes in flight ` +
        'in all (TCP connect, WebSocket upgrade, auth frame, the server’s token check, `ready`); connect → ready ' +
        'is per stream, p50/p99 within a run, then min/median/max over runs. Prosody: TCP connect, stream, SASL ' +
        'PLAIN, resource bind, initial presence, per session. Every run starts a fresh provider, whose first ' +
        'thousand or so streams connect several times slower than later ones (warm-up), so connects/s at 1,000 ' +
        'is a cold start’s and grows with N.',
      `target = the worst run’s RSS per idle device against ${TARGET_KIB} KiB. Parley ÷ Prosody = Parley’s median ÷ ` +
        'Prosody’s at the same N, from the same run of the part: 1/x = x times less memory a device, or x times ' +
        'fewer connects a second.',
      `Parley: one \`parley serve\` process as shipped (SQLite, synchronous=FULL, log level warn), ${DOMAIN} ` +
        'with one user per device. The devices are written into its database before the runs by the storage ' +
        'call POST /v1/accounts makes (accounts.register, one transaction each, synchronous=OFF for the seeding ' +
        'only; each row has a real scrypt hash at the shipped cost logN 15, nobody signs in with it), with tokens ' +
        'of the server’s shape, so no scrypt runs and no rate limit applies; stream authentication is the real ' +
        'path (token hash look-up, and the first-seen write the server makes for each device).',
      `The bench’s devices are raw ws clients (bench/lib/streamWorker.ts) in child processes of at most ` +
        `${PER_WORKER.toLocaleString('en-US')} streams each (${workerCounts(all)}), their sources spread over ` +
        `${SOURCES[0]}–${SOURCES.at(-1)} (ws localAddress) so that no address runs out of ephemeral ports. ` +
        'They offer permessage-deflate as browsers do; the server ' +
        (all.some((s) => s.runs.some((r) => r.extensions))
          ? 'accepted it (per-stream compression state is counted). '
          : 'declined it (no per-stream compression state). ') +
        `The provider’s open-files limit is raised with util-linux \`prlimit --pid\` to N + ${SPARE_FILES} when ` +
        'lower (Node itself raises its soft limit to the hard one; beyond that needs CAP_SYS_RESOURCE). ' +
        'Prosody’s clients connect from 127.0.0.1 (1,000 need no spread).',
      ...notes,
      `The whole part took ${Math.round(seconds)} s on a shared machine: client processes, server and other work ` +
        'share its cores, so connects/s is a floor.',
    ],
  };
}

async function run({ quick }: PartOptions): Promise<PartResult> {
  const started = performance.now();
  const plan = quick ? QUICK : FULL;
  const notes: string[] = [];
  const all: SizeFigures[] = [];
  const heapDir = process.env.PARLEY_BENCH_HEAP;
  let heap: ReturnType<typeof heapGrowth> | undefined;
  let seedSeconds = 0;

  const sizes = fitted(plan.parley, notes);
  const folder = dataFolder();
  try {
    const most = Math.max(...sizes.map((s) => s.devices));
    const seeding = performance.now();
    const tokens = await seedDevices(folder.path, most);
    seedSeconds = (performance.now() - seeding) / 1000;
    console.error(`connections: ${most} devices written in ${seedSeconds.toFixed(1)} s`);
    for (const size of sizes) {
      const runs: Run[] = [];
      for (let rep = 1; rep <= size.reps; rep++) {
        const r = await parleyRun(folder.path, tokens, size.devices, plan);
        runs.push(r);
        console.error(
          `connections: Parley ${size.devices} devices, run ${rep}/${size.reps}: ` +
            `${sig3(r.rssPerDeviceBytes / 1024)} KiB RSS and ${sig3(r.heapPerDeviceBytes / 1024)} KiB heap a ` +
            `device, ${sig3(r.connectsPerSecond)} connects/s`,
        );
      }
      all.push(summarized('Parley', size.devices, runs));
    }
    const few = sizes.filter((s) => s.reps < 3).map((s) => s.devices.toLocaleString('en-US'));
    if (few.length > 0 && !quick)
      notes.push(`${few.join(', ')} devices: one run only, to keep the part near five minutes.`);
    if (heapDir) {
      // An extra run, not in the table: heap snapshots perturb the readings around them.
      const n = sizes.find((s) => s.devices >= 10_000)?.devices ?? sizes[0]!.devices;
      console.error(`connections: heap snapshots at ${n} devices into ${heapDir}`);
      await parleyRun(folder.path, tokens, n, plan, heapDir);
      heap = heapGrowth(
        join(heapDir, `parley-${n}-before.heapsnapshot`),
        join(heapDir, `parley-${n}-after.heapsnapshot`),
        n,
      );
      writeFileSync(join(heapDir, `parley-${n}-growth.json`), `${JSON.stringify(heap, null, 2)}\n`);
      console.error(
        `connections: new heap objects a device at ${n} devices (self sizes), by what holds them:`,
      );
      for (const g of heap) {
        console.error(
          `  ${sig3(g.bytesPer).padStart(6)} B a device  ${sig3(g.countPer).padStart(5)}×  ${g.group}`,
        );
      }
    }
  } finally {
    folder.remove();
  }

  if (plan.prosody) {
    const missing = await ensureProsody(!quick);
    if (missing !== undefined) {
      console.error(`connections: Prosody left out: ${missing}`);
      notes.push(`Prosody was not run: ${missing}.`);
    } else {
      const runs: Run[] = [];
      for (let rep = 1; rep <= plan.prosody.reps; rep++) {
        const r = await prosodyRun(plan.prosody.devices, plan);
        runs.push(r);
        console.error(
          `connections: Prosody ${r.devices} sessions, run ${rep}/${plan.prosody.reps}: ` +
            `${sig3(r.rssPerDeviceBytes / 1024)} KiB RSS and ${sig3(r.heapPerDeviceBytes / 1024)} KiB Lua ` +
            `heap a session, ${sig3(r.connectsPerSecond)} logins/s`,
        );
      }
      all.push(summarized('Prosody', plan.prosody.devices, runs));
      notes.push(
        `Prosody ${prosodyVersion()} (Debian package), one \`prosody\` process with the federation part's ` +
          'config (bench/lib/xmppProsody.ts: plain TCP on loopback, SASL PLAIN against internal_plain, modules ' +
          'roster, saslauth, dialback, disco, posix and the autoloaded ones, no limits module) plus ' +
          'mod_admin_shell for the forced collection; users user0…userN, user0 registered with prosodyctl and ' +
          'the others copies of its account file. Each session: a raw client (bench/lib/xmppClient.ts) with a ' +
          'bound resource and initial presence, no stream management, idle.',
      );
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const data = {
    plan: { ...plan, concurrency: CONCURRENCY, perWorker: PER_WORKER, sources: SOURCES },
    sizesRun: sizes,
    targetKiB: TARGET_KIB,
    systems: all,
    seedSeconds,
    heapGrowthPerDevice: heap ?? null,
  };
  return { table: table(all, plan, quick, notes, seconds), data };
}

export const connections: Part = {
  name: 'connections',
  description:
    'Server memory per idle, authenticated device stream (RSS difference ÷ N after forced GC) at 1,000, 10,000 ' +
    'and 50,000 devices on one provider, and connects per second; Prosody at 1,000 idle c2s sessions beside it. ' +
    'Target: under 20 KiB a device.',
  run,
};
