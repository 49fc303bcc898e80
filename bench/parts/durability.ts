// Durability cost: the federation part's Parley delivery run (alice@a → bob@b, N messages with 1 and 100 submits
// in flight) on two pairs of providers that differ only in SQLite's synchronous setting: FULL (shipped: every
// commit is fsynced before the provider answers or forwards, so an acknowledged message survives power loss)
// and OFF (no fsync: the operating system writes when it likes). The table puts messages/s and latency side by
// side with FULL ÷ OFF: the price of never losing a message. Every run checks exactly-once, in-order delivery.
import type { DeliveryRun, DeliverySystem, RunLimits, SystemInfo } from '../lib/delivery.ts';
import { parleySystem } from '../lib/parleySystem.ts';
import { ratio, type Summary, sig3, summarize } from '../lib/stats.ts';
import type { Part, PartOptions, PartResult, Table } from '../part.ts';

interface Plan {
  messages: number; // per run
  /** Per run at a window of 1 (one message end to end at a time: the slow mode, so fewer). */
  messagesOneInFlight: number;
  windows: number[]; // messages sent and not yet delivered, at a time
  reps: number; // runs per setting and window
  warmUp: number; // untimed messages (window 100) per setting before the first run
}

const FULL_PLAN: Plan = {
  messages: 10_000,
  messagesOneInFlight: 2_000,
  windows: [1, 100],
  reps: 3,
  warmUp: 20_000, // steady speed, as in the federation part (V8 compiles per-batch code for tens of seconds)
};
const QUICK_PLAN: Plan = { messages: 100, messagesOneInFlight: 100, windows: [1, 100], reps: 1, warmUp: 0 };
const messagesAt = (plan: Plan, window: number) => (window === 1 ? plan.messagesOneInFlight : plan.messages);

const SETTINGS = ['FULL', 'OFF'] as const;
type Setting = (typeof SETTINGS)[number];

/** The provider reads it at start (apps/provider/src/config.ts); spawnProvider passes the bench's env on. */
const ENV = 'PARLEY_SQLITE_SYNCHRONOUS';

const limitsFor = (plan: Plan): RunLimits => ({ stallMs: 30_000, deadlineMs: 60_000 + plan.messages * 60 });

/**
 * Runs `work` (which spawns the providers) with `ENV` set to `value` in this process's environment, which child
 * processes inherit, and puts the environment back afterwards. Set-ups run one at a time, so nothing else sees it.
 */
async function withSynchronous<T>(value: Setting, work: () => Promise<T>): Promise<T> {
  const before = process.env[ENV];
  process.env[ENV] = value;
  try {
    return await work();
  } finally {
    if (before === undefined) Reflect.deleteProperty(process.env, ENV);
    else process.env[ENV] = before;
  }
}

const METRICS = {
  messagesPerSecond: { label: 'messages/s', of: (r: DeliveryRun) => r.messagesPerSecond },
  p50: { label: 'p50 latency ms', of: (r: DeliveryRun) => r.latencyMs.p50 },
  p99: { label: 'p99 latency ms', of: (r: DeliveryRun) => r.latencyMs.p99 },
  answered: { label: 'p50 submit answered ms', of: (r: DeliveryRun) => r.acceptMs.p50 },
} as const;
type Metric = keyof typeof METRICS;

interface Mode {
  setting: Setting;
  inFlight: number;
  runs: DeliveryRun[];
  summary: Record<Metric, Summary>;
}

function summaries(runs: DeliveryRun[]): Record<Metric, Summary> {
  const out = {} as Record<Metric, Summary>;
  for (const m of Object.keys(METRICS) as Metric[]) out[m] = summarize(runs.map(METRICS[m].of));
  return out;
}

function table(modes: Mode[], plan: Plan, info: SystemInfo, quick: boolean): Table {
  const find = (setting: Setting, inFlight: number) =>
    modes.find((m) => m.setting === setting && m.inFlight === inFlight)!;
  const range = (s: Summary) => `${sig3(s.min)}–${sig3(s.max)}`;
  const rows = plan.windows.flatMap((inFlight) =>
    (Object.keys(METRICS) as Metric[]).map((metric) => {
      const full = find('FULL', inFlight).summary[metric];
      const off = find('OFF', inFlight).summary[metric];
      return [
        String(inFlight),
        METRICS[metric].label,
        String(plan.reps),
        sig3(full.median),
        range(full),
        sig3(off.median),
        range(off),
        ratio(full.median / off.median),
      ];
    }),
  );
  return {
    title:
      `durability: alice@a → bob@b with SQLite synchronous FULL and OFF, ` +
      `${plan.messages.toLocaleString('en-US')} messages a run at 100 in flight, ` +
      `${plan.messagesOneInFlight.toLocaleString('en-US')} at 1${quick ? ' (quick smoke run)' : ''}`,
    columns: [
      { title: 'in flight', align: 'right' },
      { title: 'figure', align: 'left' },
      { title: 'runs', align: 'right' },
      { title: 'FULL median', align: 'right' },
      { title: 'FULL min–max', align: 'right' },
      { title: 'OFF median', align: 'right' },
      { title: 'OFF min–max', align: 'right' },
      { title: 'FULL ÷ OFF', align: 'right' },
    ],
    rows,
    notes: [
      'Two pairs of providers a and b, set up alike (the federation part’s Parley system: `parley serve` ' +
        'processes, SQLite in WAL mode, shipped settings, log level warn, a direct MLS room made with the SDK, ' +
        'raw traffic) except for PARLEY_SQLITE_SYNCHRONOUS: FULL (the default: each commit reaches the disk, ' +
        'fdatasync on the thread pool, before the provider answers the submit or a peer’s notify, and before it ' +
        'forwards) or OFF (never flushed; a ' +
        'power loss or OS crash may lose or corrupt acknowledged messages, a process crash does not).',
      `The same workload on both: ${plan.messagesOneInFlight.toLocaleString('en-US')} messages a run with 1 ` +
        `and ${plan.messages.toLocaleString('en-US')} with 100 ` +
        `messages in flight (sent, not yet at bob), ${plan.reps} run(s) each; both pairs run side by side and their runs alternate ` +
        '(FULL then OFF for each window, in every repetition), so drift on the shared machine hits both.' +
        (plan.warmUp > 0 ? ` ${plan.warmUp} untimed messages (window 100) on each pair first.` : ''),
      'messages/s = messages ÷ (last arrival on bob’s device − first submit start); latency = submit start on ' +
        'a → arrival on bob’s stream from b, p50/p99 within a run; submit answered = submit start → a’s answer ' +
        '(stored). Median and min–max over runs. FULL ÷ OFF = FULL’s median ÷ OFF’s median: for messages/s, ' +
        '1/x means durability costs a factor x in throughput; for times, x means FULL takes x times as long.',
      `Payload ${info.payloadBytes} bytes (the size of the SDK ciphertext of a short text). Every run checks ` +
        'that every message arrived exactly once, in order, intact; any failure fails the part. The bench ' +
        'client and four providers share the machine’s cores; the idle pair only prunes once a minute.',
    ],
  };
}

async function run({ quick }: PartOptions): Promise<PartResult> {
  const plan = quick ? QUICK_PLAN : FULL_PLAN;
  const limits = limitsFor(plan);
  const systems = new Map<Setting, DeliverySystem>(SETTINGS.map((s) => [s, parleySystem({ limits })]));
  const runs = new Map<string, DeliveryRun[]>();
  const key = (s: Setting, w: number) => `${s} ${w}`;
  try {
    const infos: SystemInfo[] = [];
    for (const [setting, system] of systems) {
      const started = performance.now();
      infos.push(await withSynchronous(setting, () => system.setup()));
      console.error(
        `durability: ${setting} set up in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
    }
    const info = infos[0]!;
    for (const system of systems.values()) if (plan.warmUp > 0) await system.send(plan.warmUp, 100);
    for (let rep = 1; rep <= plan.reps; rep++) {
      for (const window of plan.windows) {
        for (const [setting, system] of systems) {
          const r = await system.send(messagesAt(plan, window), window);
          runs.set(key(setting, window), [...(runs.get(key(setting, window)) ?? []), r]);
          console.error(
            `durability: ${setting} run ${rep}/${plan.reps}, window ${window}: ` +
              `${sig3(r.messagesPerSecond)} messages/s, p50 ${sig3(r.latencyMs.p50)} ms, ` +
              `p99 ${sig3(r.latencyMs.p99)} ms, answered p50 ${sig3(r.acceptMs.p50)} ms`,
          );
        }
      }
    }
    const modes: Mode[] = SETTINGS.flatMap((setting) =>
      plan.windows.map((inFlight) => {
        const done = runs.get(key(setting, inFlight))!;
        return { setting, inFlight, runs: done, summary: summaries(done) };
      }),
    );
    const ratios = plan.windows.flatMap((inFlight) =>
      (Object.keys(METRICS) as Metric[]).map((figure) => {
        const of = (s: Setting) => modes.find((m) => m.setting === s && m.inFlight === inFlight)!;
        return {
          inFlight,
          figure,
          fullOverOff: of('FULL').summary[figure].median / of('OFF').summary[figure].median,
        };
      }),
    );
    const data = { plan, limits, env: ENV, payloadBytes: info.payloadBytes, modes, ratios };
    return { table: table(modes, plan, info, quick), data };
  } finally {
    await Promise.allSettled([...systems.values()].map((s) => s.teardown()));
  }
}

export const durability: Part = {
  name: 'durability',
  description:
    'The federation part’s delivery run (alice@a → bob@b, 1 and 100 messages in flight) on providers with ' +
    'SQLite synchronous=FULL (shipped) and with synchronous=OFF, side by side: messages/s, p50/p99 latency ' +
    'and the FULL ÷ OFF ratio, the price of never losing an acknowledged message.',
  run,
};
