// Fan-out: one message to a room of 1,000 devices spread over three providers, timed until the last device has
// it (target: under one second). Providers a, b and c run as processes that federate with each other; the room
// is hubbed on a and its members are users of all three (bench/lib/fanoutRoom.ts makes it with the SDK, then
// signs in the further devices raw). Alice's device on a submits one opaque payload the size of an SDK
// ciphertext; every device receives it on its own WebSocket stream. Several messages are measured one at a time
// and each must reach every device exactly once, in order, or the part fails.
import type { ProviderConfigInput } from '@parley/server';
import { buildRoom, deviceCounts, type FanoutRoom, type FanoutShape } from '../lib/fanoutRoom.ts';
import { FanoutDriver, type FanoutMessage, NOTIFY_ROUTE, SUBMIT_ROUTE } from '../lib/fanoutRun.ts';
import { Connections } from '../lib/parleyDevices.ts';
import { ProviderSet } from '../lib/providerSet.ts';
import { type Summary, sig3, summarize } from '../lib/stats.ts';
import type { Part, PartOptions, PartResult, Table } from '../part.ts';

interface Plan extends FanoutShape {
  warmUp: number; // untimed messages first
  spaced: number; // measured messages, each `settleMs` after the previous one reached every device
  backToBack: number; // measured messages, each as soon as the previous one reached every device
  deadlineMs: number; // a message not at every device by then fails the part
  settleMs: number; // the pause of a spaced message (the devices' acknowledgements are written meanwhile)
}

const FULL: Plan = {
  devices: 1000,
  usersPerProvider: 50,
  warmUp: 1,
  spaced: 5,
  backToBack: 10,
  deadlineMs: 30_000,
  settleMs: 1500,
};
const QUICK: Plan = {
  devices: 30,
  usersPerProvider: 3,
  warmUp: 0,
  spaced: 1,
  backToBack: 2,
  deadlineMs: 15_000,
  settleMs: 200,
};

const DOMAINS = ['a.localhost', 'b.localhost', 'c.localhost'];
const TARGET_MS = 1000;

/**
 * Sign-up settings only: hundreds of accounts and sign-ins from one address would meet the shipped rate limits,
 * and the shipped scrypt cost (~100 ms a hash) would make the set-up minutes longer. Nothing measured hashes.
 */
const SIGN_UP: ProviderConfigInput = {
  passwords: { scryptLogN: 10 },
  rateLimits: {
    register: { capacity: 10_000, perMinute: 10_000 },
    login: { capacity: 10_000, perMinute: 10_000 },
  },
};

type Figure = { label: string; of: (m: FanoutMessage) => number | undefined };

function figures(): Figure[] {
  const provider = (i: number) => (m: FanoutMessage) => m.byProvider[i]!;
  const [a, b, c] = [provider(0), provider(1), provider(2)];
  return [
    { label: 'last device has it', of: (m) => m.arrivals.lastMs },
    { label: 'p90 arrival', of: (m) => m.arrivals.p90Ms },
    { label: 'p50 arrival', of: (m) => m.arrivals.p50Ms },
    { label: 'first arrival', of: (m) => m.arrivals.firstMs },
    { label: 'submit answered (hub stored)', of: (m) => m.answeredMs },
    { label: 'a (hub): submit handler', of: (m) => a(m).handlerMs },
    { label: 'a (hub): first arrival', of: (m) => a(m).firstMs },
    { label: 'a (hub): last arrival', of: (m) => a(m).lastMs },
    { label: 'b: notify handler', of: (m) => b(m).handlerMs },
    { label: 'b: first arrival', of: (m) => b(m).firstMs },
    { label: 'b: last arrival', of: (m) => b(m).lastMs },
    { label: 'c: notify handler', of: (m) => c(m).handlerMs },
    { label: 'c: first arrival', of: (m) => c(m).firstMs },
    { label: 'c: last arrival', of: (m) => c(m).lastMs },
  ];
}

/** min, median, max of a figure over messages, or dashes when it was not taken. */
function cells(messages: FanoutMessage[], figure: Figure): string[] {
  const values = messages.map(figure.of).filter((v): v is number => v !== undefined);
  if (values.length === 0) return ['—', '—', '—'];
  const s: Summary = summarize(values);
  return [sig3(s.min), sig3(s.median), sig3(s.max)];
}

interface Series {
  spaced: FanoutMessage[];
  backToBack: FanoutMessage[];
}

function table(plan: Plan, room: FanoutRoom, series: Series, quick: boolean): Table {
  const rows = figures().map((f) => [f.label, ...cells(series.spaced, f), ...cells(series.backToBack, f)]);
  const spaced = summarize(series.spaced.map((m) => m.arrivals.lastMs));
  const b2b = summarize(series.backToBack.map((m) => m.arrivals.lastMs));
  const counts = DOMAINS.map((d) => room.devices.filter((x) => x.domain === d).length);
  const perUser = deviceCounts(plan, DOMAINS.length).flat();
  const met = (s: Summary) =>
    s.max < TARGET_MS ? 'met' : s.median < TARGET_MS ? 'met at the median' : 'not met';
  return {
    title:
      `fanout: one message to ${room.devices.length.toLocaleString('en-US')} devices on a, b and c ` +
      `(room hubbed on a)${quick ? ' (quick smoke run)' : ''}`,
    columns: [
      { title: 'figure (ms from submit start)', align: 'left' },
      { title: 'spaced min', align: 'right' },
      { title: 'median', align: 'right' },
      { title: 'max', align: 'right' },
      { title: 'back to back min', align: 'right' },
      { title: 'median', align: 'right' },
      { title: 'max', align: 'right' },
    ],
    rows,
    notes: [
      `Target: the last device has it in under ${TARGET_MS.toLocaleString('en-US')} ms. Spaced: ${met(spaced)} ` +
        `(median ${sig3(spaced.median)} ms, worst ${sig3(spaced.max)} ms over ${series.spaced.length} ` +
        `message(s)); back to back: ${met(b2b)} (median ${sig3(b2b.median)} ms, worst ${sig3(b2b.max)} ms over ` +
        `${series.backToBack.length}).`,
      `Spaced = each message sent ${plan.settleMs} ms after the previous one reached every device, once the ` +
        'devices’ acknowledgements of it are written; back to back = each sent as soon as the previous one ' +
        'reached every device, so the acknowledgements of the previous one (every device acknowledges 50 ms ' +
        'after receipt, one storage transaction per device) are written while it fans out. Figures are per ' +
        'message, then min/median/max over the messages of the series' +
        (plan.warmUp > 0 ? `, after ${plan.warmUp} untimed` : '') +
        '. Handler rows are spaced only.',
      `Devices: ${counts[0]} on a, ${counts[1]} on b, ${counts[2]} on c (${room.devices.length} receiving), of ` +
        `${room.users - 1} member users (${plan.usersPerProvider} per provider, ${Math.min(...perUser)}–` +
        `${Math.max(...perUser)} devices each), plus alice’s sending device on a. Every device keeps a ` +
        'WebSocket stream open in the bench process and acknowledges after 50 ms, as the SDK does. Each ' +
        'message must reach every device exactly once, intact, as the sequence number the hub answered, in ' +
        'order; anything else fails the part.',
      `The room is an MLS group made with the SDK: alice created it and added every member’s first device in ` +
        `one commit (${room.users} leaves, one per user); each user’s further devices signed in raw afterwards ` +
        'and follow the room from then on without being leaves. Providers never decrypt application messages ' +
        'and push a room’s messages to every device of every member, so they do the same work for those ' +
        'devices. A group of 1,000 leaves was not built: an Add commit’s Welcome carries the ratchet tree ' +
        '(about 314 KB at 1,000 leaves, see the crypto part) and the hub stores one copy per added device: over ' +
        '300 MB.',
      `Payload: ${room.payloadBytes} bytes (the size of the SDK ciphertext of a short text), submitted by ` +
        'alice’s device over HTTP/1.1 keep-alive to a. Arrival = when the bench process handled the frame: its ' +
        `${room.devices.length + 1} sockets share the machine’s cores with the three providers.`,
      `Handler rows are the providers’ own /metrics (parley_http_request_duration_seconds, read before and ` +
        `after each spaced message): a’s ${SUBMIT_ROUTE} (store, push to a’s devices, answer) and b’s and c’s ` +
        `${NOTIFY_ROUTE} (verify the signed transaction, store it in one transaction, push to their devices, ` +
        'answer). Between a’s last arrival and b’s or c’s first lie a’s outbox and the signed request.',
      'Providers: `parley serve` processes, SQLite (synchronous=FULL, WAL), log level warn, shipped settings ' +
        'except for sign-up (scrypt cost 2^10 and no sign-up rate limits, so that a thousand sign-ins take ' +
        'seconds); federation signed (RFC 9421) over loopback, static peer maps.',
      `Set-up: ${Object.entries(room.phases)
        .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
        .join(', ')}.`,
    ],
  };
}

function log(series: string, i: number, of: number, m: FanoutMessage): void {
  console.error(
    `fanout: ${series} ${i}/${of}: last device ${sig3(m.arrivals.lastMs)} ms, p50 ${sig3(m.arrivals.p50Ms)} ms, ` +
      `answered ${sig3(m.answeredMs)} ms; last on ` +
      m.byProvider.map((p) => `${p.domain} ${sig3(p.lastMs)} ms`).join(', '),
  );
}

async function run({ quick }: PartOptions): Promise<PartResult> {
  const plan = quick ? QUICK : FULL;
  const { set, providers } = await ProviderSet.start(DOMAINS, {
    config: SIGN_UP,
    profileDir: process.env.PARLEY_BENCH_PROFILE,
  });
  const links = providers.map((p) => ({ domain: p.domain, connections: new Connections(p.url) }));
  let room: FanoutRoom | undefined;
  try {
    room = await buildRoom(providers, plan);
    const driver = new FanoutDriver(room, links);
    const spacedOptions = { deadlineMs: plan.deadlineMs, settleMs: plan.settleMs, counters: true };
    for (let i = 0; i < plan.warmUp; i++) await driver.send(spacedOptions);
    const series: Series = { spaced: [], backToBack: [] };
    for (let i = 1; i <= plan.spaced; i++) {
      series.spaced.push(await driver.send(spacedOptions));
      log('spaced', i, plan.spaced, series.spaced.at(-1)!);
    }
    for (let i = 1; i <= plan.backToBack; i++) {
      series.backToBack.push(
        await driver.send({ deadlineMs: plan.deadlineMs, settleMs: 0, counters: false }),
      );
      log('back to back', i, plan.backToBack, series.backToBack.at(-1)!);
    }
    const data = {
      plan,
      domains: DOMAINS,
      hub: DOMAINS[0],
      users: room.users,
      devicesPerProvider: DOMAINS.map((d) => room!.devices.filter((x) => x.domain === d).length),
      leafDevices: room.devices.filter((d) => d.leaf).length + 1,
      payloadBytes: room.payloadBytes,
      setupSeconds: room.phases,
      targetMs: TARGET_MS,
      lastDeviceMs: {
        spaced: summarize(series.spaced.map((m) => m.arrivals.lastMs)),
        backToBack: summarize(series.backToBack.map((m) => m.arrivals.lastMs)),
      },
      messages: series,
    };
    return { table: table(plan, room, series, quick), data };
  } finally {
    await room?.close();
    for (const l of links) l.connections.close();
    await set.stop();
  }
}

export const fanout: Part = {
  name: 'fanout',
  description:
    'One message to a room of 1,000 devices spread over three providers (a, b, c as processes, room hubbed on ' +
    'a): time from submit until the last device has it, with the arrival distribution and how it splits ' +
    'between the hub and the followers; every message checked to reach every device exactly once, in order.',
  run,
};
