// The fan-out part's room: one group room hubbed on the first provider, whose members are users of every provider
// with `devices` receiving devices in all. Made the way users make it, then driven raw:
//   1. every member user registers with the SDK (its first device: an identity key, a certified device key, one
//      KeyPackage on offer); users of the other providers accept the creator beforehand, as they would on first
//      contact, so nothing waits in Requests;
//   2. alice@<hub> creates the room with the SDK: one MLS commit adds every member's first device (one leaf per
//      user), checked by the hub and sent to the followers with its Welcome; she sends one message (its
//      ciphertext sets the payload size);
//   3. each user's further devices sign in raw (`POST /v1/sessions`): the provider starts their cursors at the
//      room's present, so they receive everything sent from then on, like the first device;
//   4. every device (and alice's, for her echo) opens its WebSocket stream and acknowledges as the SDK does; a
//      marker message must reach all of them before anything is measured.
// The further devices are not MLS leaves (only the first device of each user is): a provider never decrypts an
// application message and delivers a room's messages to every device of every member, so the server does the
// same work for them. Why not 1,000 leaves: see the fan-out part's notes.
import { randomBytes } from 'node:crypto';
import { MemoryStore, ParleyClient } from '@parley/sdk';
import { nodeEnvironment } from '@parley/sdk/node';
import { Connections, Receiver, until } from './parleyDevices.ts';
import { capturePayloadSizes } from './payloadSizes.ts';
import type { RunningProvider } from './providerSet.ts';

const PASSWORD = 'correct horse battery';
const TEXT = 'hello everyone'; // the SDK message whose ciphertext sets the payload size

export interface FanoutShape {
  /** Receiving devices in all, spread evenly over the providers (the first ones take the remainder). */
  devices: number;
  /** Member users per provider; each has one SDK device (an MLS leaf) and raw sign-ins for its other devices. */
  usersPerProvider: number;
}

export interface RoomDevice {
  domain: string;
  user: string;
  leaf: boolean;
  receiver: Receiver;
}

export interface FanoutRoom {
  room: string;
  sender: string;
  /** Alice's device: her connection to the hub, her token and her own stream (it gets the echo). */
  submit: { connections: Connections; token: string; echo: Receiver };
  devices: RoomDevice[];
  /** Users in the room, alice included; each has exactly one device in the MLS group. */
  users: number;
  payloadBytes: number;
  /** Seconds each set-up phase took. */
  phases: Record<string, number>;
  close(): Promise<void>;
}

/** Runs `work` on every item, at most `width` at a time; the first failure rejects (the rest still finish). */
async function inPool<T, R>(
  items: T[],
  width: number,
  work: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!, i);
    }
  };
  const lanes = await Promise.allSettled(Array.from({ length: Math.min(width, items.length) }, lane));
  const failed = lanes.find((l) => l.status === 'rejected');
  if (failed) throw failed.reason;
  return out;
}

/** How many receiving devices each user of each provider has: `devices` spread evenly, at least one each. */
export function deviceCounts(shape: FanoutShape, providers: number): number[][] {
  return Array.from({ length: providers }, (_, p) => {
    const onProvider = Math.floor(shape.devices / providers) + (p < shape.devices % providers ? 1 : 0);
    if (onProvider < shape.usersPerProvider) throw new Error('fanout: fewer devices than users');
    return Array.from(
      { length: shape.usersPerProvider },
      (_, u) =>
        Math.floor(onProvider / shape.usersPerProvider) + (u < onProvider % shape.usersPerProvider ? 1 : 0),
    );
  });
}

async function post(link: Connections, path: string, body: unknown, token?: string): Promise<unknown> {
  const answer = await link.request('POST', path, JSON.stringify(body), token);
  if (answer.status !== 200 && answer.status !== 201)
    throw new Error(`fanout setup: ${path} answered ${answer.status}: ${answer.text}`);
  return JSON.parse(answer.text) as unknown;
}

export async function buildRoom(providers: RunningProvider[], shape: FanoutShape): Promise<FanoutRoom> {
  const phases: Record<string, number> = {};
  const phase = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const value = await work();
    phases[name] = (performance.now() - started) / 1000;
    console.error(`fanout: set-up ${name} took ${phases[name]!.toFixed(1)} s`);
    return value;
  };
  const hub = providers[0]!;
  const links = providers.map((p) => new Connections(p.url));
  const receivers: Receiver[] = [];
  const close = async () => {
    await Promise.all(receivers.map((r) => r.close()));
    for (const link of links) link.close();
  };
  try {
    const env = await nodeEnvironment();
    const counts = deviceCounts(shape, providers.length);
    const creator = `alice@${hub.domain}`;

    // 1. Alice (the creator and sender; her SDK's first submit tells the ciphertext size), then the member users,
    // their first devices and, elsewhere than the hub, their consent to alice.
    const { sizes, ...capture } = capturePayloadSizes(env.WebSocket);
    const aliceStore = new MemoryStore();
    const alice = new ParleyClient({ store: aliceStore, ...env, ...capture, deviceCheckIntervalMs: 0 });
    const members = providers.flatMap((p, pi) =>
      counts[pi]!.map((devices, u) => ({ p, pi, handle: `user${String(u).padStart(3, '0')}`, devices })),
    );
    const firsts = await phase('users', async () => {
      await alice.register({ server: hub.url, handle: 'alice', password: PASSWORD, deviceName: 'sender' });
      return inPool(members, 6, async (m) => {
        const store = new MemoryStore();
        const client = new ParleyClient({
          store,
          ...env,
          deviceCheckIntervalMs: 0,
          tuning: { keyPackageTarget: 1, keyPackageLow: 1 },
        });
        try {
          await client.register({
            server: m.p.url,
            handle: m.handle,
            password: PASSWORD,
            deviceName: 'first',
          });
          await client.topUpKeyPackages();
        } finally {
          await client.close();
        }
        const token = (await store.account())!.token;
        if (m.p !== hub) await post(links[m.pi]!, '/v1/requests/accept', { user: creator }, token);
        return token;
      });
    });

    // 2. The room: one commit adding every member's first device, then one SDK message.
    const room = await phase('room', async () => {
      try {
        await alice.start();
        const made = await alice.createRoom({
          kind: 'group',
          members: members.map((m) => `${m.handle}@${m.p.domain}`),
        });
        await alice.send(made.id, TEXT);
        return made.id;
      } finally {
        await alice.close();
      }
    });
    const payloadBytes = sizes[0] ?? 0;
    if (payloadBytes <= 8) throw new Error('fanout setup: no SDK ciphertext was seen');
    const aliceToken = (await aliceStore.account())!.token;

    // 3. Further devices, signed in raw.
    const tokens = await phase('devices', () =>
      inPool(members, 8, async (m, i) => {
        const more = await inPool(Array.from({ length: m.devices - 1 }), 2, async (_, d) => {
          const path = '/v1/sessions';
          const body = { handle: m.handle, password: PASSWORD, deviceName: `raw-${d}` };
          return ((await post(links[m.pi]!, path, body)) as { token: string }).token;
        });
        return [firsts[i]!, ...more];
      }),
    );

    // 4. Every stream open, and a marker through to all of them.
    const devices = await phase('streams', () =>
      inPool(
        members.flatMap((m, i) => tokens[i]!.map((token, d) => ({ m, token, leaf: d === 0 }))),
        25,
        async ({ m, token, leaf }) => {
          const receiver = await Receiver.open(m.p.url, token);
          receivers.push(receiver);
          return { domain: m.p.domain, user: `${m.handle}@${m.p.domain}`, leaf, receiver };
        },
      ),
    );
    const echo = await Receiver.open(hub.url, aliceToken);
    receivers.push(echo);
    const link = links[0]!;
    await phase('sync', async () => {
      const marker = randomBytes(payloadBytes).toString('base64');
      let synced = 0;
      for (const d of devices) {
        d.receiver.onFrame = (f) => {
          if (f.type === 'message' && f.payload === marker) synced += 1;
        };
      }
      const answer = await link.request(
        'POST',
        `/v1/rooms/${room}/messages`,
        JSON.stringify({ payload: marker, clientId: `fanout-sync-${Date.now()}` }),
        aliceToken,
      );
      if (answer.status !== 201) throw new Error(`fanout setup: marker answered ${answer.status}`);
      await until('every device has the marker', () => synced === devices.length, 120_000);
    });
    return {
      room,
      sender: creator,
      submit: { connections: link, token: aliceToken, echo },
      devices,
      users: members.length + 1,
      payloadBytes,
      phases,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
