// MLS group costs (@parley/crypto over ts-mls, node:crypto provider) for groups of 2 to 1,000 members, each next
// to raw node:crypto AES-128-GCM on the same 100-byte payload in the same repetition, as a ratio of ops/s.
// Every repetition restores the same saved states (encodeState/decodeState, untimed), adds ONE member (commit,
// processing by an existing member, join from the Welcome), then, from the same saved states, times a
// selfUpdate and its processing, and sends application messages in the epoch after that update.
import { randomBytes } from 'node:crypto';
import {
  addMembers,
  decodeState,
  decryptApplication,
  encodeState,
  encryptApplication,
  epochAuthenticator,
  joinFromWelcome,
  processMessage,
  selfUpdate,
} from '@parley/crypto';
import { loadNodeSuite } from '@parley/crypto/node';
import { rawAesGcm } from '../lib/aesGcm.ts';
import { BenchGroup } from '../lib/mlsGroup.ts';
import { ratio, sig3, summarize, timed } from '../lib/stats.ts';
import type { Part, PartOptions, PartResult, Table } from '../part.ts';

const PAYLOAD_BYTES = 100;
const BATCH = 50; // KeyPackages per Add commit while growing a group

// `vs`: the raw AES-GCM operation a row is compared with (seal for sending, open for receiving).
const OPERATIONS = {
  addCommit: { label: 'add 1 member: commit', vs: 'seal' },
  addProcess: { label: 'add 1 member: process (existing member)', vs: 'open' },
  addJoin: { label: 'add 1 member: join from Welcome (new member)', vs: 'open' },
  updateCommit: { label: 'selfUpdate: commit', vs: 'seal' },
  updateProcess: { label: 'selfUpdate: process (existing member)', vs: 'open' },
  encrypt: { label: 'application message: encrypt', vs: 'seal' },
  decrypt: { label: 'application message: decrypt', vs: 'open' },
  stateEncode: { label: 'encodeState (store the state)', vs: undefined },
  stateDecode: { label: 'decodeState (restore the state)', vs: undefined },
  rawSeal: { label: 'raw node:crypto AES-128-GCM seal', vs: 'seal' },
  rawOpen: { label: 'raw node:crypto AES-128-GCM open', vs: 'open' },
} as const;
type Operation = keyof typeof OPERATIONS;

interface Plan {
  sizes: number[];
  reps: number; // per group size; at least 3 for real figures (min/median/max)
  messages: number; // application messages per timed batch
  rawOps: number; // raw seals (and opens) per timed batch
  warmUp: boolean;
}

const FULL: Plan = {
  sizes: [2, 10, 100, 500, 1000],
  reps: 3, // 5 took 90–130 s of the 15-minute budget; 3 still gives min, median and max
  messages: 200,
  rawOps: 20_000,
  warmUp: true,
};
const QUICK: Plan = { sizes: [2, 10], reps: 1, messages: 10, rawOps: 500, warmUp: false };

/** One repetition: milliseconds per operation, and the size of what it produced. */
type Repetition = Record<Operation, { ms: number; bytes?: number }>;

const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`crypto bench: ${what}`);
}

async function repetition(group: BenchGroup, plan: Plan): Promise<Repetition> {
  const { ctx } = group;
  const other = group.other;
  if (other === undefined) throw new Error('the group needs a second member');
  const stored = await timed(() => encodeState(group.creator.state));
  const otherBytes = encodeState(other.state);
  const newcomer = await group.newcomer();

  const restored = await timed(() => decodeState(ctx, stored.value));
  const existing = decodeState(ctx, otherBytes);
  const add = await timed(() => addMembers(ctx, restored.value, [newcomer.keyPackage]));
  const welcome = add.value.welcome;
  if (welcome === undefined) throw new Error('an Add commit without a Welcome');
  const addProcess = await timed(() => processMessage(ctx, existing, add.value.commit));
  const join = await timed(() => joinFromWelcome(ctx, { welcome, keyPackage: newcomer }));
  const agreed = epochAuthenticator(add.value.state);
  check(
    sameBytes(epochAuthenticator(addProcess.value.state), agreed),
    'existing member disagrees on the add',
  );
  check(sameBytes(epochAuthenticator(join.value.state), agreed), 'joiner disagrees on the add');

  const committer = decodeState(ctx, stored.value);
  const receiver = decodeState(ctx, otherBytes);
  const update = await timed(() => selfUpdate(ctx, committer));
  const updated = await timed(() => processMessage(ctx, receiver, update.value.commit));
  check(
    sameBytes(epochAuthenticator(updated.value.state), epochAuthenticator(update.value.state)),
    'existing member disagrees on the update',
  );

  const payload = new Uint8Array(randomBytes(PAYLOAD_BYTES));
  const raw = rawAesGcm(payload, plan.rawOps);
  let sender = update.value.state;
  const sent: Uint8Array[] = [];
  const encrypt = await timed(async () => {
    for (let i = 0; i < plan.messages; i++) {
      const out = await encryptApplication(ctx, sender, payload);
      sender = out.state;
      sent.push(out.message);
    }
  });
  let reader = updated.value.state;
  let last: Uint8Array = new Uint8Array();
  const decrypt = await timed(async () => {
    for (const message of sent) {
      const got = await decryptApplication(ctx, reader, message);
      reader = got.state;
      last = got.plaintext;
    }
  });
  check(sameBytes(last, payload), 'application message garbled');

  return {
    addCommit: { ms: add.ms, bytes: add.value.commit.length },
    addProcess: { ms: addProcess.ms, bytes: add.value.commit.length },
    addJoin: { ms: join.ms, bytes: welcome.length },
    updateCommit: { ms: update.ms, bytes: update.value.commit.length },
    updateProcess: { ms: updated.ms, bytes: update.value.commit.length },
    encrypt: { ms: encrypt.ms / plan.messages, bytes: sent[0]!.length },
    decrypt: { ms: decrypt.ms / plan.messages, bytes: sent[0]!.length },
    stateEncode: { ms: stored.ms, bytes: stored.value.length },
    stateDecode: { ms: restored.ms, bytes: stored.value.length },
    rawSeal: { ms: raw.sealMs, bytes: PAYLOAD_BYTES + 16 },
    rawOpen: { ms: raw.openMs, bytes: PAYLOAD_BYTES + 16 },
  };
}

interface Figures {
  samplesMs: number[];
  min: number;
  median: number;
  max: number;
  opsPerSecond: number;
  /** Median over repetitions of (this op/s ÷ raw AES-GCM op/s in the same repetition); null for state I/O. */
  ratioToRaw: number | null;
  bytes: number | null;
}

interface SizeFigures {
  members: number;
  reps: number;
  /** Cumulative untimed seconds spent growing the group to this size. */
  buildSeconds: number;
  operations: Record<Operation, Figures>;
}

function figures(reps: Repetition[]): Record<Operation, Figures> {
  const out = {} as Record<Operation, Figures>;
  for (const op of Object.keys(OPERATIONS) as Operation[]) {
    const vs = OPERATIONS[op].vs;
    const samplesMs = reps.map((r) => r[op].ms);
    const { min, median, max } = summarize(samplesMs);
    const ratios = reps.map((r) => (vs === 'seal' ? r.rawSeal.ms : r.rawOpen.ms) / r[op].ms);
    out[op] = {
      samplesMs,
      min,
      median,
      max,
      opsPerSecond: 1000 / median,
      ratioToRaw: vs === undefined ? null : summarize(ratios).median,
      bytes: reps.at(-1)![op].bytes ?? null,
    };
  }
  return out;
}

function table(sizes: SizeFigures[], plan: Plan, quick: boolean): Table {
  const rows = sizes.flatMap((s) =>
    (Object.keys(OPERATIONS) as Operation[]).map((op) => {
      const f = s.operations[op];
      return [
        String(s.members),
        OPERATIONS[op].label,
        String(s.reps),
        sig3(f.min),
        sig3(f.median),
        sig3(f.max),
        sig3(f.opsPerSecond),
        f.ratioToRaw === null ? '—' : ratio(f.ratioToRaw),
        f.bytes === null ? '' : f.bytes.toLocaleString('en-US'),
      ];
    }),
  );
  const built = sizes.map((s) => `${s.members} in ${s.buildSeconds.toFixed(1)} s`).join(', ');
  return {
    title: `crypto: MLS group operations next to raw AES-128-GCM${quick ? ' (quick smoke run)' : ''}`,
    columns: [
      { title: 'N', align: 'right' },
      { title: 'operation', align: 'left' },
      { title: 'reps', align: 'right' },
      { title: 'min ms', align: 'right' },
      { title: 'median ms', align: 'right' },
      { title: 'max ms', align: 'right' },
      { title: 'ops/s', align: 'right' },
      { title: 'MLS ÷ raw', align: 'right' },
      { title: 'bytes', align: 'right' },
    ],
    rows,
    notes: [
      'N = members before the operation. Milliseconds per operation, min/median/max over `reps` repetitions ' +
        `(wall time); ops/s from the median. Application messages (${PAYLOAD_BYTES}-byte payload) are timed in ` +
        `batches of ${plan.messages}, raw AES-GCM in batches of ${plan.rawOps.toLocaleString('en-US')}.`,
      'MLS ÷ raw = MLS ops/s ÷ raw node:crypto AES-128-GCM ops/s on the same payload, taken in the same ' +
        'repetition (seal for sending rows, open for receiving rows), median over repetitions; 1/x means one ' +
        'MLS operation costs as much as x raw ones.',
      `Groups grown untimed by Add-only commits of ${BATCH} KeyPackages (cumulative: ${built}). No member ` +
        'has sent an UpdatePath, so parent nodes are blank and a selfUpdate encrypts to every other member ' +
        '(N−1 HPKE seals): the worst case, and the state of a group just after it was created.',
      'Each repetition restores the same saved states (decodeState, untimed except the row that times it); ' +
        'application messages are sent in the epoch after the selfUpdate. bytes = commit (add, selfUpdate), ' +
        'Welcome with ratchet tree (join), PrivateMessage (application), encoded state (store/restore).',
      '@parley/crypto with its node:crypto provider (cipher suite 1) over ts-mls 1.6.4' +
        (plan.warmUp ? '; one untimed warm-up repetition at N = 2.' : '.'),
    ],
  };
}

async function run({ quick }: PartOptions): Promise<PartResult> {
  const plan = quick ? QUICK : FULL;
  const group = await BenchGroup.create(await loadNodeSuite());
  const sizes: SizeFigures[] = [];
  let buildMs = 0;
  for (const members of plan.sizes) {
    buildMs += (await timed(() => group.growTo(members, BATCH))).ms;
    const { reps } = plan;
    console.error(`crypto: N = ${members} built (${(buildMs / 1000).toFixed(1)} s), ${reps} repetitions`);
    if (plan.warmUp && sizes.length === 0) await repetition(group, plan);
    const samples: Repetition[] = [];
    for (let i = 0; i < reps; i++) samples.push(await repetition(group, plan));
    sizes.push({ members, reps, buildSeconds: buildMs / 1000, operations: figures(samples) });
  }
  const data = {
    payloadBytes: PAYLOAD_BYTES,
    addBatch: BATCH,
    messagesPerBatch: plan.messages,
    rawOpsPerBatch: plan.rawOps,
    sizes,
  };
  return { table: table(sizes, plan, quick), data };
}

export const crypto: Part = {
  name: 'crypto',
  description:
    'MLS group operations (@parley/crypto, node:crypto provider) for 2 to 1,000 members, as ratios to raw ' +
    'node:crypto AES-128-GCM on the same 100-byte payload.',
  run,
};
