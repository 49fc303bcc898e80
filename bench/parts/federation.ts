// Federated delivery: alice on provider a sends N small messages to bob on provider b, first with one submit
// outstanding at a time, then with a window of 100, and we report messages per second (first submit to last
// arrival on bob's device) and the p50/p99 of each message's end-to-end latency (submit start on a to arrival
// on bob's stream from b). Every run must deliver every message exactly once, in order, or the part fails.
// Systems under test sit side by side in the same run (bench/lib/delivery.ts): Parley, then Prosody federating
// server-to-server as the XMPP baseline, and the table ends with Parley ÷ Prosody for the headline figures.
import {
  type DeliveryRun,
  type DeliverySystem,
  HARNESS_COLLECTS,
  type RunLimits,
  type SystemInfo,
} from '../lib/delivery.ts';
import { parleySystem } from '../lib/parleySystem.ts';
import { prosodySystem } from '../lib/prosodySystem.ts';
import { ratio, type Summary, sig3, summarize } from '../lib/stats.ts';
import { ensureProsody } from '../lib/xmppProsody.ts';
import type { Part, PartOptions, PartResult, Table } from '../part.ts';

interface Plan {
  messages: number; // per run
  windows: number[]; // submits outstanding at a time
  reps: number; // runs per window; at least 3 for real figures (min/median/max)
  warmUp: number; // untimed messages (window 100) before the first run
}

// The warm-up is long because V8 is: a provider's per-batch code (a group commit, a federation transaction) runs
// a few hundred times per 10,000 messages, and TurboFan was still compiling it 30 s into a run (measured with
// `--log-function-events`); runs 1–3 after start delivered 2,500–3,600 messages/s, runs 10–20 4,200–4,800.
// Both systems get the same warm-up, so the runs measure each at its steady speed, as a long-running server is.
const FULL: Plan = { messages: 10_000, windows: [1, 100], reps: 3, warmUp: 40_000 };
const QUICK: Plan = { messages: 200, windows: [1, 100], reps: 1, warmUp: 0 };

/** Bounds of one run: nothing arriving for 30 s, or 60 s plus 60 ms a message in all, fails it. */
const limitsFor = (plan: Plan): RunLimits => ({
  stallMs: 30_000,
  deadlineMs: 60_000 + plan.messages * 60,
});

/** Parley's payload (the SDK ciphertext of "hello bob") as last measured, for Prosody if Parley did not run. */
const PARLEY_PAYLOAD_BYTES = 350;

/** A system to measure, made once the systems before it are set up (Prosody takes Parley's payload size). */
type Candidate = (before: { name: string; info: SystemInfo }[]) => DeliverySystem;

/**
 * Parley, then Prosody unless it is missing and cannot be installed (`apt-get install -y prosody` as root, not in
 * a --quick run): then a note says why it was left out. `PARLEY_BENCH_PROFILE=DIR` has each Parley provider
 * write a V8 CPU profile to DIR/<domain>/ when it stops.
 */
async function systems(plan: Plan, quick: boolean, notes: string[]): Promise<Candidate[]> {
  const limits = limitsFor(plan);
  const candidates: Candidate[] = [
    () => parleySystem({ limits, profileDir: process.env.PARLEY_BENCH_PROFILE }),
  ];
  const missing = await ensureProsody(!quick);
  if (missing !== undefined) {
    console.error(`federation: Prosody left out: ${missing}`);
    notes.push(`Prosody was not run: ${missing}.`);
    return candidates;
  }
  candidates.push((before) =>
    prosodySystem({
      limits,
      payloadBytes: before.find((s) => s.name === 'Parley')?.info.payloadBytes ?? PARLEY_PAYLOAD_BYTES,
    }),
  );
  return candidates;
}

const METRICS = {
  messagesPerSecond: { label: 'messages/s', of: (r: DeliveryRun) => r.messagesPerSecond },
  p50: { label: 'p50 latency ms', of: (r: DeliveryRun) => r.latencyMs.p50 },
  p99: { label: 'p99 latency ms', of: (r: DeliveryRun) => r.latencyMs.p99 },
  max: { label: 'max latency ms', of: (r: DeliveryRun) => r.latencyMs.max },
  answered: { label: 'p50 submit answered ms', of: (r: DeliveryRun) => r.acceptMs.p50 },
} as const;
type Metric = keyof typeof METRICS;

interface ModeFigures {
  inFlight: number;
  runs: DeliveryRun[];
  summary: Record<Metric, Summary>;
}

interface SystemFigures {
  name: string;
  payloadBytes: number;
  details: Record<string, unknown>;
  setupSeconds: number;
  modes: ModeFigures[];
}

interface Running {
  system: DeliverySystem;
  info: SystemInfo;
  setupSeconds: number;
  runs: Map<number, DeliveryRun[]>;
}

/**
 * Sets every system up, then runs them side by side: in each repetition, for each window, one run of each
 * system in turn, so that the machine's drift (its speed moves by a third within minutes here) falls on all of
 * them alike rather than on whichever ran later. Every system is torn down at the end, whatever happened.
 */
async function measureAll(
  candidates: Candidate[],
  plan: Plan,
): Promise<{ figures: SystemFigures[]; notes: string[] }> {
  const running: Running[] = [];
  try {
    for (const candidate of candidates) {
      const system = candidate(running.map((r) => ({ name: r.system.name, info: r.info })));
      const started = performance.now();
      const runs = new Map<number, DeliveryRun[]>(plan.windows.map((w) => [w, []]));
      const entry: Running = { system, info: undefined as unknown as SystemInfo, setupSeconds: 0, runs };
      running.push(entry); // torn down even if its set-up fails half-way
      entry.info = await system.setup();
      entry.setupSeconds = (performance.now() - started) / 1000;
      console.error(`federation: ${system.name} set up in ${entry.setupSeconds.toFixed(1)} s`);
      if (plan.warmUp > 0) await system.send(plan.warmUp, 100);
    }
    for (let rep = 1; rep <= plan.reps; rep++) {
      for (const window of plan.windows) {
        for (const { system, runs } of running) {
          const run = await system.send(plan.messages, window);
          runs.get(window)!.push(run);
          console.error(
            `federation: ${system.name} run ${rep}/${plan.reps}, window ${window}: ` +
              `${sig3(run.messagesPerSecond)} messages/s, p50 ${sig3(run.latencyMs.p50)} ms, ` +
              `p99 ${sig3(run.latencyMs.p99)} ms, max ${sig3(run.latencyMs.max)} ms`,
          );
        }
      }
    }
    const figures = running.map(({ system, info, setupSeconds, runs }) => ({
      name: system.name,
      payloadBytes: info.payloadBytes,
      details: info.details,
      setupSeconds,
      modes: plan.windows.map((inFlight) => {
        const done = runs.get(inFlight)!;
        const summary = {} as Record<Metric, Summary>;
        for (const m of Object.keys(METRICS) as Metric[]) summary[m] = summarize(done.map(METRICS[m].of));
        return { inFlight, runs: done, summary };
      }),
    }));
    return { figures, notes: running.flatMap((r) => r.info.notes) };
  } finally {
    for (const { system } of running) await system.teardown();
  }
}

/** A system without a submit answer (XMPP) has no answered figure: its driver's "answer" is the arrival. */
const answers = (s: SystemFigures) => s.details.submitAnswered !== false;

/** The figures compared across systems, in their ratio rows. */
const COMPARED: Metric[] = ['messagesPerSecond', 'p50', 'p99'];

interface Ratio {
  inFlight: number;
  figure: Metric;
  /** Parley's median ÷ Prosody's median. */
  parleyOverProsody: number;
}

function ratios(all: SystemFigures[]): Ratio[] {
  const parley = all.find((s) => s.name === 'Parley');
  const prosody = all.find((s) => s.name === 'Prosody');
  if (!parley || !prosody) return [];
  return parley.modes.flatMap((mode) => {
    const other = prosody.modes.find((m) => m.inFlight === mode.inFlight);
    return other
      ? COMPARED.map((figure) => ({
          inFlight: mode.inFlight,
          figure,
          parleyOverProsody: mode.summary[figure].median / other.summary[figure].median,
        }))
      : [];
  });
}

/** Issue 6's target: at 100 in flight, at least 1.5× Prosody's messages a second with a p99 no worse. */
const TARGET = { inFlight: 100, messagesRatio: 1.5 } as const;

/** Whether the run meets the target, from the ratios of its medians; undefined without both systems. */
function target(compared: Ratio[]) {
  const of = (figure: Metric) =>
    compared.find((r) => r.inFlight === TARGET.inFlight && r.figure === figure)?.parleyOverProsody;
  const messages = of('messagesPerSecond');
  const p99 = of('p99');
  if (messages === undefined || p99 === undefined) return undefined;
  return { met: messages >= TARGET.messagesRatio && p99 <= 1, messages, p99 };
}

function table(all: SystemFigures[], notes: string[], plan: Plan, quick: boolean): Table {
  const rows = all.flatMap((s) =>
    s.modes.flatMap((mode) =>
      (Object.keys(METRICS) as Metric[])
        .filter((m) => m !== 'answered' || answers(s))
        .map((m) => [
          s.name,
          String(mode.inFlight),
          METRICS[m].label,
          String(mode.runs.length),
          sig3(mode.summary[m].min),
          sig3(mode.summary[m].median),
          sig3(mode.summary[m].max),
        ]),
    ),
  );
  const compared = ratios(all);
  for (const r of compared) {
    rows.push([
      'Parley ÷ Prosody',
      String(r.inFlight),
      METRICS[r.figure].label,
      '—',
      '—',
      ratio(r.parleyOverProsody),
      '—',
    ]);
  }
  const verdict = target(compared);
  if (verdict) {
    rows.push([
      'target',
      String(TARGET.inFlight),
      `≥ ${TARGET.messagesRatio}× msg/s, p99 no worse`,
      '—',
      '—',
      `${verdict.met ? 'met' : 'NOT met'} (${ratio(verdict.messages)}, p99 ${ratio(verdict.p99)})`,
      '—',
    ]);
  }
  const size = `${plan.messages.toLocaleString('en-US')} messages a run`;
  return {
    title: `federation: alice@a → bob@b, ${size}${quick ? ' (quick smoke run)' : ''}`,
    columns: [
      { title: 'system', align: 'left' },
      { title: 'in flight', align: 'right' },
      { title: 'figure', align: 'left' },
      { title: 'runs', align: 'right' },
      { title: 'min', align: 'right' },
      { title: 'median', align: 'right' },
      { title: 'max', align: 'right' },
    ],
    rows,
    notes: [
      'in flight = messages sent and not yet arrived at bob’s device, for every system (1: the next message ' +
        'is sent when the previous one arrived; 100: a window of 100). messages/s = messages ÷ (last arrival on ' +
        'the receiving device − first submit start). Latency = submit start on a → arrival on bob’s device ' +
        'stream from b, per message; p50/p99/max are taken within a run, then min/median/max over runs. Submit ' +
        'answered = submit start → the sender’s provider’s answer (stored durably).',
      'The JSON has, per run, the median latency of each tenth of the messages in submit order (a rising line ' +
        'would be a queue building up).',
      `Each run checks that every message arrived exactly once, in the order its sender’s server gave it, with ` +
        `its bytes intact; any loss, duplicate, reordering or stall fails the part. ` +
        (plan.warmUp > 0
          ? `Each system first delivers ${plan.warmUp.toLocaleString('en-US')} untimed messages (window 100), ` +
            'so that the runs see it at its steady speed: V8 compiles a provider’s per-batch code for tens of ' +
            'seconds after start. '
          : '') +
        'Runs alternate the windows, and the systems within each window. The bench client, both systems’ ' +
        'servers (the idle one only waits) and other work share the machine’s cores.' +
        (HARNESS_COLLECTS
          ? ' Before each run the bench client (one process: the driver and every device) collects its own ' +
            'garbage in full (`--expose-gc`), so that what the run before left is not collected under a wave of ' +
            'the next; the servers are left alone.'
          : ''),
      ...(compared.length > 0
        ? [
            'Parley ÷ Prosody = Parley’s median ÷ Prosody’s median of the same figure and window. Both systems ' +
              'are set up together and their runs alternate (Parley, then Prosody, for each window in each ' +
              'repetition), so the machine’s drift falls on both: for messages/s, 1/x means Parley delivers x times ' +
              'fewer a second; for latency, x means Parley’s is x times longer. Both windows count the same ' +
              'thing (sent, not yet at bob), so at 100 in flight latency is about 100 ÷ messages/s for both.',
            `target = issue 6's: at ${TARGET.inFlight} in flight, Parley's median messages/s at least ` +
              `${TARGET.messagesRatio}× Prosody's and its median p99 no higher than Prosody's, in the same run.`,
          ]
        : []),
      ...notes,
    ],
  };
}

async function run({ quick }: PartOptions): Promise<PartResult> {
  const plan = quick ? QUICK : FULL;
  const notes: string[] = [];
  const measured = await measureAll(await systems(plan, quick, notes), plan);
  const all = measured.figures;
  notes.push(...measured.notes);
  const data = {
    messagesPerRun: plan.messages,
    windows: plan.windows,
    reps: plan.reps,
    warmUpMessages: plan.warmUp,
    harnessCollectsBeforeRuns: HARNESS_COLLECTS,
    limits: limitsFor(plan),
    systems: all,
    ratios: ratios(all),
    target: target(ratios(all)) ?? null,
  };
  return { table: table(all, notes, plan, quick), data };
}

export const federation: Part = {
  name: 'federation',
  description:
    'Federated delivery between two providers as processes: messages/s and end-to-end latency (p50/p99) of ' +
    'alice@a → bob@b with 1 and 100 messages in flight, every message checked to arrive exactly once, in order; ' +
    'Parley next to Prosody (XMPP) federating server-to-server, as ratios.',
  run,
};
