/**
 * What the attacks on rooms across providers share: a network a, b, c with alice@a and bob@b in a direct room
 * and a group, both hubbed on a, and mallory@c as the user of c, the malicious provider (valid keys, in everyone's
 * peer map); signed requests as any of them; and a snapshot of what a and b store about the rooms, so a test
 * shows an attack changed nothing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { generateSigningKey, keyId } from '@parley/federation';
import { type ClientEvent, MemoryStore, ParleyClient } from '@parley/sdk';
import { nodeEnvironment } from '@parley/sdk/node';
import type { ProviderConfigInput, StoredMessage } from '@parley/server';
import { bounded, eventually, TestNetwork } from '@parley/testing';
import { type Forged, forge, type Sent, send } from './federationSupport.js';

export type Net = Awaited<ReturnType<typeof TestNetwork.create>>;

export const ALICE = 'mimi://a.localhost/u/alice';
export const BOB = 'mimi://b.localhost/u/bob';
export const MALLORY = 'mimi://c.localhost/u/mallory';

export interface Device {
  client: ParleyClient;
  events: ClientEvent[];
}

const env = await nodeEnvironment();

export async function register(url: string, handle: string): Promise<Device> {
  const client = new ParleyClient({ store: new MemoryStore(), ...env, deviceCheckIntervalMs: 0 });
  await client.register({ server: url, handle, password: 'correct horse battery', deviceName: handle });
  await client.start();
  const events: ClientEvent[] = [];
  client.on('*', (e) => events.push(e));
  return { client, events };
}

export { eventually };

export const saw = (d: Device, text: string) =>
  eventually(`${d.client.user} sees “${text}”`, () =>
    d.events.some((e) => e.type === 'message' && e.text === text),
  );

export interface RoomsNet {
  net: Net;
  alice: Device;
  bob: Device;
  mallory: Device;
  /** carol@b, who asked alice for a direct room; alice never answered. */
  carol: Device;
  direct: string;
  group: string;
  close(): Promise<void>;
}

/**
 * alice@a and bob@b (who accepted alice) in a direct room and a group on a; carol@b, whose request alice never
 * answered (a room hubbed on b); mallory@c alone on c. Set-up and shutdown are bounded: node's test hooks wait
 * for ever, and a hang here once used up a whole file's time limit without a word.
 */
export async function roomsNetwork(config?: ProviderConfigInput): Promise<RoomsNet> {
  const net = await TestNetwork.create({ providers: 3, ...(config ? { config } : {}) });
  const devices: Device[] = [];
  const close = () =>
    bounded('roomsNetwork shutdown', 60_000, async (step) => {
      await Promise.all(devices.map((d) => d.client.close()));
      step('net.close');
      await net.close();
    });
  try {
    return await bounded('roomsNetwork set-up', 120_000, async (step) => {
      for (const [domain, handle] of [
        ['a.localhost', 'alice'],
        ['b.localhost', 'bob'],
        ['c.localhost', 'mallory'],
        ['b.localhost', 'carol'],
      ] as const) {
        step(`register ${handle}@${domain}`);
        devices.push(await register(net.url(domain), handle));
      }
      const [alice, bob, mallory, carol] = devices as [Device, Device, Device, Device];
      step('carol creates a direct room with alice');
      await carol.client.createRoom({ kind: 'direct', members: ['alice@a.localhost'] });
      await eventually('alice has carol’s request', async () => (await alice.client.requests()).length > 0);
      step('alice creates a direct room with bob');
      const direct = await alice.client.createRoom({ kind: 'direct', members: ['bob@b.localhost'] });
      step('alice sends to the direct room');
      await alice.client.send(direct.id, 'hello bob');
      await eventually('bob has a request', async () => (await bob.client.requests()).length > 0);
      step('bob accepts alice');
      await bob.client.accept('alice@a.localhost');
      await saw(bob, 'hello bob');
      step('alice creates the group');
      const group = await alice.client.createRoom({
        kind: 'group',
        members: ['bob@b.localhost'],
        name: 'ops',
      });
      step('alice sends to the group');
      await alice.client.send(group.id, 'welcome to ops');
      await saw(bob, 'welcome to ops');
      return { net, alice, bob, mallory, carol, direct: direct.id, group: group.id, close };
    });
  } catch (error) {
    await close().catch(() => {}); // the set-up's failure is the one to report
    throw error;
  }
}

export const AAAA = Buffer.from('not a real ciphertext').toString('base64');

export interface Endpoint {
  /** Who signs: b to the hub a, except notify (the hub a to its follower b). */
  from: string;
  to: string;
  body: unknown;
  /** The same request, changed after signing. */
  tampered: unknown;
  /** A body whose first sending verifies but leaves the rooms alone (the replay test sends it twice). */
  replay?: unknown;
  /** The body with a user URI of another domain than the signer's, and what the server answers. */
  foreign?: { body: unknown; answer: [number, string] | string[] };
}

export function endpoints(r: RoomsNet, lastSeq: number): Record<string, Endpoint> {
  const bobDevice = r.bob.client.deviceId;
  const txn = (s: string) => `${s}-${Math.random().toString(36).slice(2)}`;
  const submit = (sender: string) => ({
    txn: txn('s'),
    items: [{ room: r.direct, sender, device: bobDevice, clientId: txn('c'), payload: AAAA }],
  });
  const consent = (target: string) => ({
    txn: txn('u'),
    items: [{ requester: ALICE, target, state: 'granted' }],
  });
  const report = (reporter: string) => ({
    txn: txn('r'),
    items: [{ room: r.direct, seq: 1, reporter, reason: 'spam' }],
  });
  const notify = (seq: number, payload: string) => ({
    txn: txn('n'),
    items: [
      {
        room: r.direct,
        seq,
        kind: 'application',
        sender: ALICE,
        device: r.alice.client.deviceId,
        ts: Date.now(),
        payload,
      },
    ],
  });
  const toB = { from: 'b.localhost', to: 'a.localhost' };
  return {
    identifierQuery: { ...toB, body: { user: ALICE }, tampered: { user: 'mimi://a.localhost/u/carol' } },
    keyMaterial: {
      ...toB,
      body: { requester: BOB, user: ALICE },
      tampered: { requester: BOB, user: ALICE, devices: [r.alice.client.deviceId] },
      replay: { requester: BOB, user: 'mimi://a.localhost/u/nobody' },
      foreign: { body: { requester: MALLORY, user: ALICE }, answer: [401, 'foreignSender'] },
    },
    submitMessage: {
      ...toB,
      body: submit(BOB),
      tampered: submit(BOB),
      replay: submit('mimi://b.localhost/u/nobody'),
      foreign: { body: submit(ALICE), answer: ['foreignSender'] },
    },
    notify: {
      from: 'a.localhost',
      to: 'b.localhost',
      body: notify(lastSeq + 1, AAAA),
      tampered: notify(lastSeq + 1, Buffer.from('another text').toString('base64')),
      // seq 1 is b's already: acknowledged, nothing stored.
      replay: notify(1, AAAA),
    },
    groupInfo: {
      ...toB,
      body: { room: r.group, requester: BOB },
      tampered: { room: r.direct, requester: BOB },
      foreign: { body: { room: r.group, requester: MALLORY }, answer: [401, 'foreignSender'] },
    },
    requestConsent: {
      ...toB,
      body: { requester: BOB, target: ALICE },
      tampered: { requester: 'mimi://b.localhost/u/dave', target: ALICE },
      foreign: { body: { requester: MALLORY, target: ALICE }, answer: [401, 'foreignSender'] },
    },
    updateConsent: {
      ...toB,
      body: consent('mimi://b.localhost/u/carol'),
      tampered: consent('mimi://b.localhost/u/dave'),
      replay: consent('mimi://b.localhost/u/erin'),
      foreign: { body: consent(MALLORY), answer: ['foreignSender'] },
    },
    reportAbuse: {
      ...toB,
      body: report(BOB),
      tampered: report(BOB),
      foreign: { body: report(MALLORY), answer: ['foreignSender'] },
    },
    proxyDownload: { ...toB, body: { id: 'a'.repeat(26) }, tampered: { id: 'b'.repeat(26) } },
    fetchMessages: {
      ...toB,
      body: { room: r.direct, after: 0, limit: 100 },
      tampered: { room: r.group, after: 0, limit: 100 },
    },
  };
}

export const FORGERIES: [string, string, (f: Forged, e: Endpoint) => Forged][] = [
  ['no signature', 'badSignature', (f) => ({ ...f, unsigned: true })],
  [
    'a key the signer never published',
    'unknownKey',
    (f) => {
      const { privateKey } = generateSigningKey();
      return { ...f, privateKey, keyId: keyId(privateKey) };
    },
  ],
  ['the body altered after signing', 'badDigest', (f, e) => ({ ...f, sentBody: JSON.stringify(e.tampered) })],
  [
    'created long before the window',
    'expired',
    (f) => ({ ...f, created: Math.floor(Date.now() / 1000) - 3600 }),
  ],
];

export const storageOf = (net: Net, domain: string) => net.byDomain[domain]!.provider.ctx.storage;

export const rid = () => Math.random().toString(36).slice(2);

export const lastSeqOf = async (net: Net, domain: string, room: string) =>
  (await storageOf(net, domain).rooms.getRoom(room))?.room.lastSeq;

/** A room's messages on b as bob's device reads them. */
export async function bobReads(r: RoomsNet, room: string) {
  const read = await storageOf(r.net, 'b.localhost').rooms.read(
    room,
    'bob',
    0,
    10_000,
    r.bob.client.deviceId,
  );
  assert.ok(read.ok, JSON.stringify(read));
  return read.messages;
}

/** A hub's message as c sends it: from mallory's device, a ciphertext nobody can read. */
export const byMallory = (r: RoomsNet, room: string, seq: number, more: Record<string, unknown> = {}) => ({
  room,
  seq,
  kind: 'application',
  sender: MALLORY,
  device: r.mallory.client.deviceId,
  ts: Date.now(),
  payload: AAAA,
  ...more,
});

/** A commit's room state with mallory as owner and bob in: what c says to make b follow it. */
export const withBob = (epoch: number) => ({
  kind: 'commit',
  state: {
    kind: 'group',
    creator: MALLORY,
    createdAt: Date.now(),
    epoch,
    members: [
      { user: MALLORY, role: 'owner' },
      { user: BOB, role: 'member' },
    ],
  },
});

/** A request signed with `from`'s current key (or forged from it), for `to`'s endpoint. */
export async function signed(
  net: Net,
  from: string,
  to: string,
  endpoint: string,
  body: unknown,
  change: (f: Forged) => Forged = (f) => f,
) {
  const key = await net.byDomain[from]!.provider.ctx.federation.keys.current();
  const f: Forged = {
    to: net.url(to),
    path: `/federation/v1/${endpoint}`,
    origin: from,
    body: JSON.stringify(body),
    keyId: key.keyId,
    privateKey: key.privateKey,
  };
  return forge(change(f));
}

/** A validly signed request of provider `from`, through its own federation client; the answer it verified. */
export async function post(net: Net, from: string, to: string, endpoint: string, body: unknown) {
  const result = await net.byDomain[from]!.provider.ctx.federation.client.post(
    to,
    endpoint as 'notify',
    body,
  );
  assert.ok(result.ok, `${from} → ${to} ${endpoint}: ${JSON.stringify(result)}`);
  return result as {
    status: number;
    body: { results?: { ok: boolean; code?: string }[] } & Record<string, unknown>;
  };
}

export const codes = (body: { results?: { ok: boolean; code?: string }[] }) =>
  (body.results ?? []).map((r) => (r.ok ? 'ok' : r.code));

export const errorOf = (body: unknown) => (body as { error?: { code?: string } }).error?.code;

export const refusal = (sent: Sent) => [
  sent.status,
  (JSON.parse(sent.text) as { error?: { code?: string } }).error?.code,
];

/**
 * What a and b store about these rooms (records, members, messages as a local member reads them), the consent
 * rows an attack could flip, and the KeyPackages on offer: equal before and after means nothing changed.
 */
export async function snapshot(r: RoomsNet, rooms = [r.direct, r.group]) {
  const out: Record<string, unknown> = {};
  const readers = [
    ['a.localhost', 'alice', r.alice.client.deviceId],
    ['b.localhost', 'bob', r.bob.client.deviceId],
  ] as const;
  for (const [domain, reader, device] of readers) {
    const storage = storageOf(r.net, domain);
    for (const id of rooms) {
      const found = await storage.rooms.getRoom(id);
      const read = await storage.rooms.read(id, reader, 0, 10_000, device);
      out[`${domain} ${id}`] = {
        room: found?.room,
        members: found?.members,
        messages: read.ok ? read.messages.map(line) : read,
      };
    }
  }
  const a = storageOf(r.net, 'a.localhost').federation;
  const b = storageOf(r.net, 'b.localhost').federation;
  out.consent = await Promise.all([
    a.consent('alice', 'bob@b.localhost'),
    a.consent('alice', 'carol@b.localhost'),
    a.consent('alice', 'mallory@c.localhost'),
    b.consent('bob', 'alice@a.localhost'),
    b.consent('bob', 'mallory@c.localhost'),
  ]);
  out.keyPackages = await Promise.all([
    storageOf(r.net, 'a.localhost').keyPackages.count(r.alice.client.deviceId),
    storageOf(r.net, 'b.localhost').keyPackages.count(r.bob.client.deviceId),
  ]);
  return out;
}

const digest = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex').slice(0, 16);

/** A stored message in one line, its payload as a digest (failures stay readable). */
export const line = (m: StoredMessage) =>
  `${m.seq} ${m.kind} ${m.sender} ${m.toUser ?? ''} ${digest(m.payload)}`;

/** What hub and follower must agree on, whatever their member keys: sequence, kind, payload. */
export const ordered = (m: StoredMessage) => `${m.seq} ${m.kind} ${digest(m.payload)}`;

export { send };
