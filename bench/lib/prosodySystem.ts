// Prosody as a system under test of the federation part, the XMPP baseline beside Parley: servers a.localhost
// and b.localhost as two `prosody` processes federating server-to-server over loopback (bench/lib/xmppProsody.ts),
// alice on a and bob on b as raw XMPP clients (bench/lib/xmppClient.ts). Alice sends chat messages to bob's bare
// JID, each body the base64 of a payload the size of Parley's; bob's client checks and times each arrival.
// XMPP gives the sender no answer for a message, so a message is in flight from alice's send until bob has it.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@parley/testing';
import type { DeliveryRun, DeliverySystem, RunLimits, SystemInfo } from './delivery.ts';
import { RunPayloads, WindowedRun } from './delivery.ts';
import { until } from './parleyDevices.ts';
import { XmppClient } from './xmppClient.ts';
import { configure, type ProsodyServer, prosodyVersion, register, start, stop } from './xmppProsody.ts';
import { childText, type XmlElement } from './xmppStream.ts';

const PASSWORD = 'correct horse battery';
const RESOURCE = 'bench';
const ALICE = 'alice@a.localhost';
const BOB = 'bob@b.localhost';

export interface ProsodyOptions {
  limits: RunLimits;
  /** Bytes of each payload before base64: Parley's, so that both carry the same message. */
  payloadBytes: number;
}

/** `count` distinct loopback ports free right now. */
async function freePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

export function prosodySystem(options: ProsodyOptions): DeliverySystem {
  const { payloadBytes } = options;
  let folder: string | undefined;
  const servers: ProsodyServer[] = [];
  let alice: XmppClient | undefined;
  let bob: XmppClient | undefined;
  let stray: string | undefined;

  const message = (id: string, body: string) =>
    `<message to='${BOB}' type='chat' id='${id}'><body>${body}</body></message>`;

  /** Between runs nothing may arrive, nor an error come back; anything that does fails the next run. */
  function watchForStrays(): void {
    bob!.onStanza = (el) => {
      if (el.name === 'message') stray ??= `a message arrived at bob between runs (${el.attrs.id})`;
    };
    alice!.onStanza = (el) => {
      if (el.name === 'message') stray ??= `alice got a message between runs (${el.attrs.type})`;
    };
    bob!.onTrouble = (reason) => {
      stray ??= `bob's ${reason}`;
    };
    alice!.onTrouble = (reason) => {
      stray ??= `alice's ${reason}`;
    };
  }

  async function setup(): Promise<SystemInfo> {
    folder = mkdtempSync(join(tmpdir(), 'parley-bench-prosody-'));
    const [c2sA, s2sA, c2sB, s2sB] = await freePorts(4);
    const a: ProsodyServer = {
      domain: 'a.localhost',
      dir: join(folder, 'a'),
      c2sPort: c2sA!,
      s2sPort: s2sA!,
      stderr: '',
    };
    const b: ProsodyServer = {
      domain: 'b.localhost',
      dir: join(folder, 'b'),
      c2sPort: c2sB!,
      s2sPort: s2sB!,
      stderr: '',
    };
    servers.push(a, b);
    configure(a, b);
    configure(b, a);
    await Promise.all([register(a, 'alice', PASSWORD), register(b, 'bob', PASSWORD)]);
    await Promise.all([start(a), start(b)]);
    const login = (server: ProsodyServer, user: string) =>
      XmppClient.connect({
        host: '127.0.0.1',
        port: server.c2sPort,
        domain: server.domain,
        user,
        password: PASSWORD,
        resource: RESOURCE,
      });
    [alice, bob] = await Promise.all([login(a, 'alice'), login(b, 'bob')]);

    // The first message opens a's s2s stream to b, and b's dialback check back to a (XEP-0220); both stay
    // open for the runs. Bob's own presence and anything else before it is not counted.
    const marker = randomBytes(payloadBytes).toString('base64');
    let warmed = false;
    bob.onStanza = (el) => {
      if (el.name === 'message' && childText(el, 'body') === marker) warmed = true;
    };
    alice.onStanza = (el) => {
      if (el.name === 'message') stray ??= `alice got a message during set-up (${el.attrs.type})`;
    };
    alice.send(message('warm-up', marker));
    await until('bob receives the first message over s2s', () => warmed || stray !== undefined);
    if (stray) throw new Error(`prosody setup: ${stray}`);
    watchForStrays();

    const version = prosodyVersion();
    return {
      payloadBytes,
      notes: [
        `Prosody ${version} (Debian package): servers a and b as two \`prosody\` processes, each with its own ` +
          'config, data, pid and log files in a temporary folder, log level warn, ' +
          '`network_settings = { nagle = false }`; modules roster, saslauth, dialback, disco, posix and the ' +
          'autoloaded c2s, s2s, message, presence, iq, offline; plain TCP on loopback (no tls module, ' +
          'c2s/s2s_require_encryption and s2s_secure_auth off, SASL PLAIN against internal_plain), no limits ' +
          'module (no rate limits); `run_as_root = true` when the bench is root. The two domains are routed ' +
          'without DNS: each server’s libunbound (Prosody’s `unbound` option) holds one static SRV record ' +
          '_xmpp-server._tcp.<peer> → <peer>:<its s2s port>, and unbound answers *.localhost with 127.0.0.1 ' +
          'itself (RFC 6761); a authenticates to b by dialback (XEP-0220). /etc/hosts is untouched.',
        'Prosody keeps messages to an online user in memory only: a message goes from alice’s stream through ' +
          'a’s s2s stream to bob’s stream and is written nowhere (mod_offline stores only what is sent to a user ' +
          'who is offline; bob is online throughout), so a crash of a or b loses what is in flight. Parley ' +
          'stores every message on both providers (SQLite, synchronous=FULL) before it answers and forwards.',
        `Prosody payload: the base64 of ${payloadBytes} bytes (the Parley payload’s size) as the body of a ` +
          '`<message type="chat">` to bob’s bare JID; its first 8 bytes are the run id and the message’s ' +
          'index. Alice and bob are raw XMPP clients over node:net (SASL PLAIN, a bound resource, initial ' +
          'presence, TCP_NODELAY), one c2s stream each, no stream management. XMPP has no submit answer, so ' +
          'in flight = sent by alice and not yet arrived at bob (as for Parley) and there is no “submit ' +
          'answered” row. Order: one c2s stream in, one s2s stream, one c2s stream out, processed in order (RFC 6120 ' +
          '§10.1), so arrivals must come in submit order in every window. The s2s connection is opened and ' +
          'dialback done by one message before any run.',
      ],
      details: {
        version,
        payloadBytes,
        body: `base64 of ${payloadBytes} bytes`,
        submitAnswered: false,
        inFlight: 'sent by alice, not yet arrived at bob',
        storage: 'internal (files), untouched by online delivery',
        s2sRoute: 'static SRV record in libunbound, *.localhost → 127.0.0.1',
        s2sAuth: 'dialback',
        nagle: false,
      },
    };
  }

  async function send(n: number, inFlight: number): Promise<DeliveryRun> {
    const [tx, rx] = [alice, bob];
    if (!tx || !rx) throw new Error('prosody: send before setup');
    if (stray) throw new Error(`prosody: ${stray}`);
    const bodies = new RunPayloads(payloadBytes, n);
    /** Frees message i's place in the window once bob has it. */
    const landed: (() => void)[] = new Array(n);
    const run = new WindowedRun(n, inFlight, options.limits);
    tx.onTrouble = (reason) => run.fail(`alice's ${reason}`);
    rx.onTrouble = (reason) => run.fail(`bob's ${reason}`);
    tx.onStanza = (el) => {
      if (el.name === 'message') run.fail(`alice got a message (${el.attrs.type}, ${el.attrs.id})`);
    };
    rx.onStanza = (el: XmlElement) => {
      if (el.name !== 'message') return;
      const body = childText(el, 'body');
      if (el.attrs.type !== 'chat' || body === undefined)
        return run.fail(`bob got ${el.attrs.type} ${el.attrs.id}`);
      const checked = bodies.check(body);
      if ('problem' in checked) return run.fail(`${checked.problem} (${el.attrs.id})`);
      const { index } = checked;
      if (el.attrs.from?.split('/')[0] !== ALICE) return run.fail(`message ${index} from ${el.attrs.from}`);
      run.arrived(index, index);
      landed[index]?.();
    };
    try {
      return await run.drive(
        (i) =>
          new Promise<void>((resolve) => {
            landed[i] = resolve;
            tx.send(message(`${bodies.runId}-${i}`, bodies.of(i)));
          }),
      );
    } finally {
      watchForStrays();
    }
  }

  async function teardown(): Promise<void> {
    await Promise.all([alice?.close(), bob?.close()]);
    alice = undefined;
    bob = undefined;
    const stopped = await Promise.allSettled(servers.map(stop));
    for (const s of stopped) if (s.status === 'rejected') console.error('federation: teardown:', s.reason);
    servers.length = 0;
    if (folder) rmSync(folder, { recursive: true, force: true });
    folder = undefined;
  }

  return { name: 'Prosody', setup, send, teardown };
}
