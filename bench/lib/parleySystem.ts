// Parley as a system under test of the federation part: providers a.localhost and b.localhost as `parley serve`
// processes (SQLite in temporary folders, signed federation over loopback through static peer maps), alice@a and
// bob@b in a direct MLS room set up with the SDK (request, consent), then raw traffic on the same two devices:
// alice's device submits opaque payloads the size of a real SDK ciphertext over its WebSocket stream to a (the
// room's hub), bob's device receives them on its stream from b and acknowledges them as the SDK does. The servers never
// decrypt, so raw bytes are what they see.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { MemoryStore, ParleyClient } from '@parley/sdk';
import { nodeEnvironment } from '@parley/sdk/node';
import { freePort, type ProcessProvider, processStorage, spawnProvider } from '@parley/testing';
import type { DeliveryRun, DeliverySystem, RunLimits, SystemInfo } from './delivery.ts';
import { RunPayloads, WindowedRun } from './delivery.ts';
import { ACK_FLUSH_MS, Receiver, until, within } from './parleyDevices.ts';
import { capturePayloadSizes } from './payloadSizes.ts';

const PASSWORD = 'correct horse battery';
const TEXT = 'hello bob'; // the SDK message whose ciphertext sets the payload size
const HEADER_BYTES = 8; // run id and message index, big-endian u32 each

/** A spawned provider and its folder; stopped with SIGTERM (SIGKILL after 15 s), its folder removed. */
interface Started {
  process?: ProcessProvider;
  storage: ReturnType<typeof processStorage>;
}

async function stop(started: Started): Promise<void> {
  const child = started.process?.child;
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    if (!(await within(started.process!.exited, 15_000))) {
      child.kill('SIGKILL');
      await started.process!.exited;
    }
  }
  await started.storage.remove();
}

export interface ParleyOptions {
  limits: RunLimits;
  /** Where the providers write V8 CPU profiles (`--cpu-prof`, one folder per domain), if anywhere. */
  profileDir?: string | undefined;
}

export function parleySystem(options: ParleyOptions): DeliverySystem {
  const providers: Started[] = [];
  let receiver: Receiver | undefined;
  /** Alice's device's own stream: it gets the echo of what it sent and acknowledges it, as the SDK does. */
  let echo: Receiver | undefined;
  let urlA = '';
  let room = '';
  let payloadBytes = 0;
  let stray: string | undefined;

  /** Alice's device submits over its own stream (a `submit` frame), as a connected device does. */
  async function submit(payload: string, clientId: string): Promise<number> {
    if (!echo) throw new Error('parley: submit before setup');
    const seq = await echo.submit(room, payload, clientId);
    if (!Number.isInteger(seq)) throw new Error(`submit answered without a sequence number`);
    return seq;
  }

  async function setup(): Promise<SystemInfo> {
    const [portA, portB] = [await freePort(), await freePort()];
    const peersOf = {
      a: { 'b.localhost': `http://127.0.0.1:${portB}` },
      b: { 'a.localhost': `http://127.0.0.1:${portA}` },
    };
    const a: Started = { storage: processStorage('sqlite') };
    const b: Started = { storage: processStorage('sqlite') };
    providers.push(a, b);
    const profile = (domain: string) =>
      options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(options.profileDir, domain)}`] : [];
    const start = (domain: string, port: number, peers: Record<string, string>, at: Started) =>
      spawnProvider({ domain, port, peers, nodeArgs: profile(domain), ...at.storage });
    [a.process, b.process] = await Promise.all([
      start('a.localhost', portA, peersOf.a, a),
      start('b.localhost', portB, peersOf.b, b),
    ]);
    urlA = a.process.url;
    const urlB = b.process.url;

    // The room, the MLS group and bob's consent, made the way a user makes them.
    const env = await nodeEnvironment();
    const { sizes, ...capture } = capturePayloadSizes(env.WebSocket);
    const stores = { alice: new MemoryStore(), bob: new MemoryStore() };
    const alice = new ParleyClient({ store: stores.alice, ...env, ...capture, deviceCheckIntervalMs: 0 });
    const bob = new ParleyClient({ store: stores.bob, ...env, deviceCheckIntervalMs: 0 });
    const seen: string[] = [];
    bob.on('message', (m) => seen.push(m.text));
    try {
      await alice.register({ server: urlA, handle: 'alice', password: PASSWORD, deviceName: 'bench' });
      await bob.register({ server: urlB, handle: 'bob', password: PASSWORD, deviceName: 'bench' });
      await Promise.all([alice.start(), bob.start()]);
      room = (await alice.createRoom({ kind: 'direct', members: ['bob@b.localhost'] })).id;
      await alice.send(room, TEXT);
      await until('bob has a request', async () => (await bob.requests()).length > 0);
      await bob.accept('alice@a.localhost');
      await until('bob reads the first message', () => seen.includes(TEXT));
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
    payloadBytes = sizes[0] ?? 0;
    if (payloadBytes <= HEADER_BYTES) throw new Error('parley setup: no SDK ciphertext was seen');

    // The same two devices, now driven raw. They are the room's only devices, both connected and acknowledging,
    // so both providers can prune what was delivered.
    const aliceAccount = await stores.alice.account();
    const bobAccount = await stores.bob.account();
    if (!aliceAccount || !bobAccount) throw new Error('parley setup: the SDK stored no account');
    echo = await Receiver.open(urlA, aliceAccount.token);
    receiver = await Receiver.open(urlB, bobAccount.token);
    // Everything before this marker (the SDK's own traffic) arrives first and is acknowledged, not counted.
    const marker = randomBytes(payloadBytes).toString('base64');
    let synced = false;
    receiver.onFrame = (f) => {
      if (f.type === 'message' && f.payload === marker) synced = true;
    };
    await submit(marker, `bench-sync-${Date.now()}`);
    await until('bob receives the first raw message', () => synced);
    return {
      payloadBytes,
      notes: [
        `Parley: providers a and b as \`parley serve\` processes (SQLite, synchronous=FULL, WAL), shipped ` +
          'defaults (retention prunes every 60 s, also during runs) but log level warn; federation signed ' +
          '(RFC 9421) over loopback, static peer map. The room is a direct MLS room made with the SDK (bob ' +
          'accepted the request); the measured traffic is raw.',
        `Parley payload: ${payloadBytes} bytes, the size of the SDK ciphertext of "${TEXT}" (MLS ` +
          'PrivateMessage of MIMI content), base64 in JSON. Alice’s device submits over its WebSocket stream ' +
          'to a, the room’s hub (`submit` frames, each answered by `submitted` once stored durably; the frames of one ' +
          'event-loop turn leave in one write, as the SDK’s do on Node); bob’s ' +
          'device receives on its stream from b. Both devices acknowledge every ' +
          `${ACK_FLUSH_MS} ms, as the SDK does (alice’s gets the echo of what it sent). In flight = submitted ` +
          'and not yet at bob’s device, as for Prosody.',
      ],
      details: {
        payloadBytes,
        payloadSource: `SDK ciphertext of "${TEXT}"`,
        storage: 'sqlite',
        ackFlushMs: ACK_FLUSH_MS,
        profiled: options.profileDir ?? null,
      },
    };
  }

  async function send(n: number, inFlight: number): Promise<DeliveryRun> {
    const rx = receiver;
    if (!rx) throw new Error('parley: send before setup');
    if (stray) throw new Error(`parley: ${stray}`);
    const payloads = new RunPayloads(payloadBytes, n);
    // clientIds as the SDK makes them (util/bytes.ts): the time, then what tells them apart, in hex.
    const idPrefix = `${Date.now().toString(16).padStart(12, '0')}${payloads.runId.toString(16).padStart(8, '0')}`;
    /** Frees message i's place in the window once bob has it. */
    const landed: (() => void)[] = new Array(n);
    const run = new WindowedRun(n, inFlight, options.limits);
    rx.onTrouble = (reason) => run.fail(reason);
    if (echo) echo.onTrouble = (reason) => run.fail(`alice's ${reason}`);
    rx.onFrame = (f) => {
      if (f.type !== 'message') return;
      if (f.room !== room || f.payload === undefined)
        return run.fail(`a message in another room (${f.room})`);
      const checked = payloads.check(f.payload);
      if ('problem' in checked) return run.fail(`${checked.problem} (#${f.seq})`);
      const { index } = checked;
      if (f.sender !== 'alice@a.localhost') return run.fail(`message ${index} from ${f.sender}`);
      run.arrived(index, f.seq);
      landed[index]?.();
    };
    try {
      return await run.drive(async (i) => {
        const arrival = new Promise<void>((resolve) => {
          landed[i] = resolve;
        });
        run.answered(i, await submit(payloads.of(i), `${idPrefix}${i.toString(16).padStart(8, '0')}`));
        await arrival;
      });
    } finally {
      // Nothing may arrive between runs; anything that does fails the next run.
      rx.onFrame = (f) => {
        if (f.type === 'message') stray ??= `a message arrived between runs (#${f.seq})`;
      };
    }
  }

  async function teardown(): Promise<void> {
    await Promise.all([receiver?.close(), echo?.close()]);
    receiver = undefined;
    echo = undefined;
    // Followers first would leave a's outbox retrying; both stop in parallel, each bounded.
    const stopped = await Promise.allSettled(providers.map(stop));
    providers.length = 0;
    for (const s of stopped) if (s.status === 'rejected') console.error('federation: teardown:', s.reason);
  }

  return { name: 'Parley', setup, send, teardown };
}
