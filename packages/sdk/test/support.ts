// Scenario helpers: a real provider in-process, devices as ParleyClients, and waiting that reads like the
// conversation ("bob sees …").
import type { TestContext } from 'node:test';
import { backends, eventually, startTestProvider, within } from '@parley/testing';
import { ParleyClient } from '../src/client/client.js';
import type { ClientEvent } from '../src/client/events.js';
import type { HistoryEntry } from '../src/content/history.js';
import { nodeEnvironment } from '../src/node/index.js';
import { MemoryStore } from '../src/store/memory.js';
import type { Store } from '../src/store/types.js';
import type { Fetch } from '../src/transport/http.js';
import type { WebSocketFactory, WebSocketLike } from '../src/transport/stream.js';

export const PASSWORD = 'correct horse battery';
const env = await nodeEnvironment();

/**
 * A provider for one test, and the devices made on it; all are closed after the test (devices first).
 *
 * @example
 * const net = await network(t);
 * const alice = await net.register('alice');
 */
export async function network(t: TestContext) {
  const p = await startTestProvider(backends.find((b) => b.name === 'memory')!);
  const devices: Device[] = [];
  const keep = (d: Device) => {
    devices.push(d);
    return d;
  };
  t.after(async () => {
    await closeAll(...devices);
    await p.close();
  });
  return {
    url: p.url,
    register: async (handle: string, options: DeviceOptions = {}) =>
      keep(await register(p.url, handle, options)),
    addDevice: async (first: Device, n: number) => keep(await addDevice(p.url, first, n)),
  };
}

export interface Device {
  client: ParleyClient;
  events: ClientEvent[];
  name: string;
}

function watch(client: ParleyClient, name: string): Device {
  const events: ClientEvent[] = [];
  client.on('*', (e) => events.push(e));
  return { client, events, name };
}

/** Registers `handle` and starts its first device. */
export interface DeviceOptions {
  store?: Store;
  fetch?: Fetch;
  WebSocket?: WebSocketFactory;
}

export async function register(server: string, handle: string, options: DeviceOptions = {}): Promise<Device> {
  const client = new ParleyClient({
    store: options.store ?? new MemoryStore(),
    ...env,
    deviceCheckIntervalMs: 0,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
  });
  await client.register({ server, handle, password: PASSWORD, deviceName: `${handle}-1` });
  await client.start();
  return watch(client, `${handle}#1`);
}

/** Signs in another device of the user of `first` (with the identity key exported from it) and starts it. */
export async function addDevice(server: string, first: Device, n: number): Promise<Device> {
  const handle = first.client.user.split('@')[0]!;
  const client = new ParleyClient({ store: new MemoryStore(), ...env, deviceCheckIntervalMs: 0 });
  await client.login({
    server,
    handle,
    password: PASSWORD,
    deviceName: `${handle}-${n}`,
    identityKey: first.client.exportIdentityKey(),
  });
  await client.start();
  return watch(client, `${handle}#${n}`);
}

export { eventually };

/** Waits until the device has seen an event matching `match`, and returns it. */
export async function sees<T extends ClientEvent['type']>(
  device: Device,
  type: T,
  match: (e: Extract<ClientEvent, { type: T }>) => boolean = () => true,
): Promise<Extract<ClientEvent, { type: T }>> {
  let found: Extract<ClientEvent, { type: T }> | undefined;
  await eventually(`${device.name} sees a ${type}`, () => {
    found = device.events.find(
      (e): e is Extract<ClientEvent, { type: T }> => e.type === type && match(e as never),
    );
    return found !== undefined;
  });
  return found!;
}

/** A history without per-device noise, for comparing devices. */
export function view(history: HistoryEntry[]) {
  return history.map((h) => ({
    seq: h.seq,
    sender: h.sender,
    text: h.text,
    replyTo: h.replyTo,
    edited: h.edited,
    deleted: h.deleted,
    reactions: h.reactions.map((r) => `${r.sender} ${r.reaction}`),
  }));
}

export async function closeAll(...devices: Device[]): Promise<void> {
  await within(
    `closing ${devices.map((d) => d.name).join(', ')}`,
    30_000,
    Promise.all(devices.map((d) => d.client.close())),
  );
}

/** The device's errors, to assert there were none. */
export const errors = (d: Device) => d.events.filter((e) => e.type === 'error');

/**
 * A fetch that holds this device's next commit until `release()`, and reports the status of every commit it
 * sent: how a test makes two commits race for the same epoch on purpose.
 */
export function commitGate() {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let reached!: () => void;
  const waiting = new Promise<void>((r) => (reached = r));
  const statuses: number[] = [];
  let held = false;
  const fetch: Fetch = async (input, init) => {
    const url = String(input);
    if (!url.endsWith('/commits')) return globalThis.fetch(input, init);
    if (!held) {
      held = true;
      reached();
      await released;
    }
    const response = await globalThis.fetch(input, init);
    statuses.push(response.status);
    return response;
  };
  return { fetch, release, waiting, statuses };
}

/**
 * The device's WebSocket with a hand on its outgoing frames: `onSend` sees each frame the SDK sends and may
 * answer it itself (`reply`) instead of letting it through (return false), or cut the connection (`cut`);
 * `onReceive` sees each frame from the provider.
 */
export function interceptedWebSocket(
  onSend: (
    frame: { type: string; ref?: number; [key: string]: unknown },
    tools: { reply: (frame: object) => void; cut: () => void; pass: () => void },
  ) => boolean,
  onReceive: (frame: { type: string }) => void = () => {},
): WebSocketFactory {
  const Base = env.WebSocket;
  return class Intercepted implements WebSocketLike {
    private readonly inner: WebSocketLike;
    onopen: WebSocketLike['onopen'] = null;
    onmessage: WebSocketLike['onmessage'] = null;
    onclose: WebSocketLike['onclose'] = null;
    onerror: WebSocketLike['onerror'] = null;

    constructor(url: string) {
      this.inner = new Base(url);
      this.inner.onopen = (e) => this.onopen?.(e);
      this.inner.onmessage = (e) => {
        onReceive(JSON.parse(String(e.data)) as { type: string });
        this.onmessage?.(e);
      };
      this.inner.onclose = (e) => this.onclose?.(e);
      this.inner.onerror = (e) => this.onerror?.(e);
    }

    get readyState() {
      return this.inner.readyState;
    }

    send(data: string): void {
      const frame = JSON.parse(data) as { type: string; ref?: number };
      const tools = {
        reply: (answer: object) => queueMicrotask(() => this.onmessage?.({ data: JSON.stringify(answer) })),
        cut: () => this.inner.close(4000, 'cut by the test'),
        pass: () => this.inner.send(data),
      };
      if (onSend(frame, tools)) this.inner.send(data);
    }

    close(code?: number, reason?: string): void {
      this.inner.close(code, reason);
    }
  };
}
